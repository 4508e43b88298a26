using AspirePipeline.Contracts;
using AspirePipeline.Frames;
using AspirePipeline.Producer;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wiring of the frame producer, so Program.cs stays a table of contents.</summary>
public static class ProducerExtensions
{
    /// <summary>Kafka connection name (resource <c>kafka</c> in the AppHost).</summary>
    public const string KafkaConnectionName = ConnectionNames.Kafka;

    /// <summary>Client message limit used for RawBgr/SeedJson unless configured (matches the AppHost's topic limit).</summary>
    public const int RawFramesMessageMaxBytes = FrameLimits.MaxMessageBytes;

    /// <summary>Options, the Kafka producer (with frame-friendly defaults), the camera workers and the health check.</summary>
    public static TBuilder AddFrameProducer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // The binder's own error for an unknown enum value names the setting but not the values that would work.
        var configuredEncoding = builder.Configuration[$"{ProducerOptions.SectionName}:{nameof(ProducerOptions.Encoding)}"];
        if (!string.IsNullOrWhiteSpace(configuredEncoding) && !Enum.TryParse<FrameEncoding>(configuredEncoding, ignoreCase: true, out _))
        {
            throw new InvalidOperationException(
                $"Producer:Encoding is '{configuredEncoding}'; use one of {string.Join(", ", Enum.GetNames<FrameEncoding>())}.");
        }

        builder.Services.AddOptions<ProducerOptions>()
            .BindConfiguration(ProducerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProducerOptions>, ProducerOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<ProducerOptions>>(new PassthroughSettingValidator(builder.Configuration));

        var rawFrames = Enum.TryParse<FrameEncoding>(
                builder.Configuration[$"{ProducerOptions.SectionName}:Encoding"], ignoreCase: true, out var encoding)
            && encoding is FrameEncoding.RawBgr or FrameEncoding.SeedJson;
        builder.AddKafkaProducer<string, byte[]>(KafkaConnectionName, settings =>
        {
            // Defaults only: anything set under Aspire:Confluent:Kafka:Producer:Config wins.
            var config = settings.Config;
            config.Acks ??= Acks.All;
            // One request in flight keeps each camera's frames in order across retries without needing idempotence.
            config.MaxInFlight ??= 1;
            config.LingerMs ??= 5;
            // While Kafka is down, buffer a bounded amount (then frames are dropped and counted), not 1 GB for 5 minutes.
            config.QueueBufferingMaxKbytes ??= 64 * 1024;
            config.MessageTimeoutMs ??= 30_000;
            if (rawFrames)
            {
                // Raw and seed-JSON frames outgrow librdkafka's 1 MB default (720p seed JSON is ~5 MB); the topic's
                // max.message.bytes (8 MiB in the AppHost) must allow them too.
                config.MessageMaxBytes ??= RawFramesMessageMaxBytes;
            }
            config.ClientId ??= "producer";
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CameraStatusBoard>();
        builder.Services.AddSingleton<ProducerMetrics>();
        builder.Services.AddHostedService<FrameProducerService>();
        builder.Services.AddHealthChecks().AddCheck<ProducerHealthCheck>("producer");
        return builder;
    }

    /// <summary>
    /// <c>GET /stats</c>: per camera the cumulative captured/published/dropped counts, per stage (encode, publish) the
    /// frames and CPU milliseconds (JSON, camelCase).
    /// </summary>
    public static IEndpointRouteBuilder MapProducerStats(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/stats", (CameraStatusBoard board, ProducerMetrics metrics) =>
            Results.Json(ProducerStats.From(board, metrics), ProducerJsonContext.Default.ProducerStats));
        return endpoints;
    }
}
