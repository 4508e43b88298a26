using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.KafkaClient;

/// <summary>
/// Asks the cluster for metadata through ONE long-lived admin client that shares the registered client's connections
/// (a dependent admin client): no new connections, threads or messages per probe.
/// </summary>
internal sealed class KafkaHealthCheck(Func<Handle> clientHandle, KafkaClientEvents events, TimeSpan timeout) : IHealthCheck, IDisposable
{
    private readonly Lock _gate = new();
    private IAdminClient? _admin;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var admin = Admin();
            // GetMetadata blocks up to the timeout; keep it off the caller's thread.
            var metadata = await Task.Run(() => admin.GetMetadata(timeout), cancellationToken).ConfigureAwait(false);
            if (metadata.Brokers.Count == 0)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Kafka answered metadata with no brokers.");
            }
            events.MarkConnected();
            return HealthCheckResult.Healthy($"Kafka reachable ({metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s)).");
        }
        catch (KafkaException exception)
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"Kafka did not answer a metadata request within {timeout.TotalSeconds:0.#} s: {exception.Error.Reason}", exception);
        }
    }

    private IAdminClient Admin()
    {
        lock (_gate)
        {
            return _admin ??= new DependentAdminClientBuilder(clientHandle()).Build();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _admin?.Dispose();
            _admin = null;
        }
    }
}
