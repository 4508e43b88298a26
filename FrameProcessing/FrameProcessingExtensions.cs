using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Health;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.FrameProcessing.Tracking;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wires a consumer service: Kafka clients, the consume/process pipeline, reporting, health and live view.</summary>
public static class FrameProcessingExtensions
{
    /// <summary>The Kafka connection (resource) name the AppHost references.</summary>
    public const string KafkaConnectionName = ConnectionNames.Kafka;

    /// <summary>
    /// Adds frame processing with <typeparamref name="TAnalyzer"/> as the analysis, unless <c>FrameProcessing:Analyzer</c>
    /// names another one (see <see cref="FrameAnalyzers.Names"/>), so one project can host several consumer groups. The
    /// consumer group comes from <c>Aspire:Confluent:Kafka:Consumer:Config:GroupId</c> (the AppHost sets it); a missing
    /// one stops the start.
    /// </summary>
    public static IHostApplicationBuilder AddFrameProcessing<TAnalyzer>(this IHostApplicationBuilder builder)
        where TAnalyzer : class, IFrameAnalyzer
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        AddValidatedOptions<FrameProcessingOptions>(services, FrameProcessingOptions.SectionName);
        // Every analysis decodes with OpenCV: a machine without its native libraries stops the start, naming them.
        services.AddSingleton<IValidateOptions<FrameProcessingOptions>, OpenCvAvailableValidator>();
        services.AddSingleton<IValidateOptions<FrameProcessingOptions>, ReplayStartValidator>();
        AddValidatedOptions<HeaderlessFrameOptions>(services, HeaderlessFrameOptions.SectionName);
        AddValidatedOptions<LiveViewOptions>(services, LiveViewOptions.SectionName);
        AddValidatedOptions<DisplayOptions>(services, DisplayOptions.SectionName);
        FrameAnalyzers.Add<TAnalyzer>(services,
            builder.Configuration[$"{FrameProcessingOptions.SectionName}:{nameof(FrameProcessingOptions.Analyzer)}"]);

        var rebalanceHandlers = new RebalanceHandlers();
        string? groupId = null;
        builder.AddKafkaConsumer<byte[], byte[]>(KafkaConnectionName, settings =>
        {
            // Offsets are stored by the pipeline once a frame is processed; auto-commit then commits only those.
            settings.Config.EnableAutoOffsetStore = false;
            settings.Config.EnableAutoCommit = true;
            settings.Config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
            // Close() blocks up to the session timeout when the broker is gone, and a crashed member holds its
            // partitions that long: Kafka's former 10 s default suits a 30 fps stream better than today's 45 s.
            settings.Config.SessionTimeoutMs ??= 10_000;
            // Once the prefetch queue (QueuedMaxMessagesKbytes, 64 MB) is full, librdkafka postpones a partition's next
            // fetch by this much: at its 1 s default a group that fell behind fetched in 1 s steps and stayed seconds
            // late with the CPU idle (docs/benchmarks.md, "Why frames fell behind"); 20 ms resumes as soon as there is room.
            settings.Config.FetchQueueBackoffMs ??= 20;
            groupId = settings.Config.GroupId;
        }, rebalanceHandlers.Configure);
        builder.AddKafkaProducer<byte[], byte[]>(KafkaConnectionName);

        var configuredInstance = builder.Configuration[$"{FrameProcessingOptions.SectionName}:{nameof(FrameProcessingOptions.InstanceId)}"];
        var instanceId = string.IsNullOrWhiteSpace(configuredInstance)
            ? $"{Environment.MachineName}-{Environment.ProcessId}"
            : configuredInstance;
        services.AddSingleton(rebalanceHandlers);
        services.AddSingleton(serviceProvider => new ConsumerIdentity(
            groupId ?? throw new InvalidOperationException("The Kafka consumer registration did not report its group id."),
            serviceProvider.GetRequiredService<IFrameAnalyzer>().Name,
            instanceId,
            serviceProvider.GetRequiredService<IOptions<FrameProcessingOptions>>().Value.Topic));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(serviceProvider => ReplayStart.Create(
            serviceProvider.GetRequiredService<IOptions<FrameProcessingOptions>>().Value, serviceProvider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ProcessingStatistics>();
        services.AddSingleton<RecentEvents>();
        AddValidatedOptions<TrackingOptions>(services, TrackingOptions.SectionName);
        // Read now, so a bad zone or line stops the start naming its path rather than the first frame of that camera.
        services.AddSingleton(new SceneCatalog(builder.Configuration));
        services.AddSingleton<SceneTracking>();
        services.AddSingleton<FrameProcessingTelemetry>();
        services.AddSingleton<LiveFrameHub>();
        services.AddSingleton<OverlayRenderer>();
        services.AddSingleton<DeliveredOffsets>();
        services.AddSingleton<FrameProcessor>();
        services.AddHostedService<FrameConsumerService>();
        services.AddHostedService<SummaryReporter>();
        services.AddHostedService<DisplayWindowService>();

        services.AddHealthChecks().AddCheck<FrameConsumerHealthCheck>(FrameConsumerHealthCheck.Name);
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(FrameProcessingTelemetry.ComponentName))
            .WithTracing(tracing => tracing.AddSource(FrameProcessingTelemetry.ComponentName));
        return builder;
    }

    /// <summary>Maps the live view (<c>/</c>, <c>/video.mjpeg</c>, <c>/stats</c>) unless <c>LiveView:Enabled</c> is false.</summary>
    public static WebApplication MapFrameProcessing(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<LiveViewOptions>>().Value.Enabled)
        {
            app.MapLiveView();
        }
        return app;
    }

    internal static void AddValidatedOptions<TOptions>(IServiceCollection services, string sectionName)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
