using AspirePipeline.Clips;
using AspirePipeline.Clips.Catalog;
using AspirePipeline.Clips.Events;
using AspirePipeline.Clips.Kafka;
using AspirePipeline.Clips.Remux;
using AspirePipeline.Clips.Telemetry;
using AspirePipeline.Clips.Web;
using AspirePipeline.Contracts;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wiring of the clips service, so Program.cs stays a table of contents.</summary>
public static class ClipsExtensions
{
    /// <summary>Kafka connection name (resource <c>kafka</c> in the AppHost).</summary>
    public const string KafkaConnectionName = ConnectionNames.Kafka;

    /// <summary>
    /// The group id the binder asks for. Clips never joins it: its consumers assign partitions and commit nothing, so
    /// any number of replicas read the same (it is also no group a consumer service uses).
    /// </summary>
    public const string DefaultGroupId = "clips";

    /// <summary>Options, the Kafka consumer (the catalog's, whose health check is the Kafka check), readers, ffmpeg, telemetry.</summary>
    public static TBuilder AddClips<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ClipsOptions>().BindConfiguration(ClipsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClipsOptions>, ClipsOptionsValidator>();

        ConsumerConfig? bound = null;
        builder.AddKafkaConsumer<string, Ignore>(KafkaConnectionName, settings =>
        {
            var config = settings.Config;
            config.GroupId ??= DefaultGroupId;
            config.ClientId ??= "clips";
            config.EnableAutoCommit = false;
            config.EnableAutoOffsetStore = false;
            config.EnablePartitionEof = true;
            config.AllowAutoCreateTopics = false;
            config.AutoOffsetReset = AutoOffsetReset.Earliest;
            bound = config;
        });
        var readerConfig = bound ?? throw new InvalidOperationException("The Kafka consumer registration did not report its settings.");
        services.AddSingleton(provider =>
            new ReaderConsumerFactory(readerConfig, provider.GetRequiredService<ILogger<ReaderConsumerFactory>>()));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClipsTelemetry>();
        services.AddSingleton<RecordingCatalog>();
        services.AddSingleton<VideoReader>();
        services.AddSingleton<EventReader>();
        services.AddSingleton<FfmpegRemuxer>();
        services.AddSingleton<ClipService>();
        services.AddHostedService<RecordingCatalogService>();
        services.AddHealthChecks().AddCheck<FfmpegHealthCheck>(FfmpegHealthCheck.Name);
        return builder;
    }

    /// <summary>
    /// <c>/</c>, <c>/clips/{camera}</c> (page, or clip with <c>from</c> and <c>to</c>) and <c>/events/{partition}/{offset}/clip</c>.
    /// </summary>
    public static WebApplication MapClips(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapClipEndpoints();
        return app;
    }
}
