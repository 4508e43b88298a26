using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>
/// Healthy when the broker answers a metadata request and the resource's declared topics exist, creating the
/// missing ones on the first successful probe. Tying topic creation to health means <c>WaitFor(kafka)</c> releases
/// producer and consumers only once their topics are there, with the partition count the AppHost configured.
/// </summary>
internal sealed class KafkaResourceHealthCheck(KafkaAdmin admin, IKafkaResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (admin.BootstrapServers is null)
        {
            try
            {
                admin.BootstrapServers = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException exception)
            {
                // Endpoints are allocated when the resource starts; until then there is nothing to ask.
                return HealthCheckResult.Unhealthy($"The address of '{admin.ResourceName}' is not allocated yet.", exception);
            }
        }

        try
        {
            // GetMetadata blocks up to its own short timeout; keep it off the health service's calling thread.
            var metadata = await Task.Run(admin.GetMetadata, cancellationToken).ConfigureAwait(false);
            if (metadata.Brokers.Count == 0)
            {
                return HealthCheckResult.Unhealthy($"'{admin.ResourceName}' answered metadata without any broker.");
            }

            // Our broker answers metadata while its disk is full, but refuses every write: that is not healthy.
            if (resource is KafkaBrokerResource
                && await admin.StorageProblemAsync(metadata.Brokers[0].BrokerId).ConfigureAwait(false) is { } storageProblem)
            {
                return HealthCheckResult.Unhealthy($"'{admin.ResourceName}' at {admin.BootstrapServers}: {storageProblem}");
            }

            var topics = resource.Annotations.OfType<KafkaTopicAnnotation>().ToList();
            await admin.EnsureTopicsAsync(topics, metadata).ConfigureAwait(false);
            return HealthCheckResult.Healthy(
                $"{metadata.Brokers.Count} broker(s) at {admin.BootstrapServers}; topics ready: {string.Join(", ", topics.Select(t => t.Name))}");
        }
        catch (KafkaException exception)
        {
            return HealthCheckResult.Unhealthy(
                $"'{admin.ResourceName}' at {admin.BootstrapServers} does not answer: {exception.Error.Reason}", exception);
        }
    }
}
