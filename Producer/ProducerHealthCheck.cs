using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Producer;

/// <summary>
/// Healthy while every camera is connected and has had a frame acknowledged by Kafka recently. Kafka reachability
/// itself is the separate <c>Aspire.Confluent.Kafka.Producer</c> check.
/// </summary>
internal sealed class ProducerHealthCheck(CameraStatusBoard board, IOptions<ProducerOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var freshness = options.Value.HealthFreshness;
        var problems = new List<string>();
        var data = new Dictionary<string, object>();
        foreach (var camera in options.Value.EffectiveCameras)
        {
            var status = board.For(camera.Id);
            data[camera.Id] = $"connected={status.Connected} published={status.Published} reconnects={status.Reconnects}";
            if (!status.Connected)
            {
                problems.Add($"camera '{camera.Id}' is not connected ({status.LastError ?? "connecting"})");
                continue;
            }
            // Measured from the later of connection and last acknowledgement, so a fresh (re)connect gets a grace period.
            var since = status.LastPublishedAt is { } published && published > status.ConnectedSince ? published : status.ConnectedSince;
            if (since is { } last && now - last > freshness)
            {
                problems.Add($"camera '{camera.Id}' had no frame acknowledged by Kafka for {(now - last).TotalSeconds:0} s"
                    + (status.LastError is { } error ? $" (last error: {error})" : ""));
            }
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("All cameras connected and publishing.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data));
    }
}
