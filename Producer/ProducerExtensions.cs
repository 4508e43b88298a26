using AspirePipeline.Producer;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wiring of the frame producer, so Program.cs stays a table of contents.</summary>
public static class ProducerExtensions
{
    /// <summary>Kafka connection name (resource <c>kafka</c> in the AppHost).</summary>
    public const string KafkaConnectionName = "kafka";

    /// <summary>Options, the Kafka producer (with frame-friendly defaults), the camera workers and the health check.</summary>
    public static TBuilder AddFrameProducer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ProducerOptions>()
            .BindConfiguration(ProducerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProducerOptions>, ProducerOptionsValidator>();

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
            config.ClientId ??= "producer";
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CameraStatusBoard>();
        builder.Services.AddSingleton<ProducerMetrics>();
        builder.Services.AddHostedService<FrameProducerService>();
        builder.Services.AddHealthChecks().AddCheck<ProducerHealthCheck>("producer");
        return builder;
    }
}
