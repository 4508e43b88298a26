using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.KafkaClient;

/// <summary>
/// Asks the cluster for metadata through ONE long-lived admin client that shares the registered client's connections
/// (a dependent admin client): no new connections, threads or messages per probe. At most one request is in flight;
/// overlapping probes share it. The client must be created before this check so DI disposes the check (and its
/// admin client) first: a dependent admin client outliving its parent handle crashes the process.
/// </summary>
internal sealed class KafkaClientHealthCheck(Handle clientHandle, KafkaClientEvents events, TimeSpan timeout) : IHealthCheck, IDisposable
{
    private readonly Lock _gate = new();
    private IAdminClient? _admin;
    private Task<Metadata>? _inFlight;
    private bool _disposed;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<Metadata> request;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_inFlight is null || _inFlight.IsCompleted)
            {
                var admin = _admin ??= new DependentAdminClientBuilder(clientHandle).Build();
                // GetMetadata blocks up to the timeout; keep it off the caller's thread.
                _inFlight = Task.Run(() => admin.GetMetadata(timeout), CancellationToken.None);
            }
            request = _inFlight;
        }

        try
        {
            var metadata = await request.WaitAsync(cancellationToken).ConfigureAwait(false);
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

    public void Dispose()
    {
        Task? inFlight;
        lock (_gate)
        {
            _disposed = true;
            inFlight = _inFlight;
        }
        // The native request uses the admin handle: destroying it underneath would crash the process.
        try
        {
            inFlight?.Wait(timeout + TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The request's failure was (or would have been) reported by the probe.
        }
        _admin?.Dispose();
    }
}
