using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Producer;

/// <summary>
/// Healthy while every camera is connected and has had a frame acknowledged by Kafka recently; Degraded while a camera
/// makes its first connection attempt (every start would otherwise begin with an Unhealthy report, logged as an
/// error); the failure status once an attempt failed or a camera went quiet. Kafka reachability itself is the separate
/// <c>Aspire.Confluent.Kafka.Producer</c> check.
/// </summary>
internal sealed class ProducerHealthCheck(CameraStatusBoard board, IOptions<ProducerOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var freshness = options.Value.HealthFreshness;
        var problems = new List<string>();
        var connecting = new List<string>();
        var data = new Dictionary<string, object>();
        foreach (var camera in options.Value.EffectiveCameras)
        {
            var status = board.For(camera.Id);
            data[camera.Id] = $"connected={status.Connected} published={status.Published} reconnects={status.Reconnects}";
            if (!status.Connected && status.ConnectedSince is null && status.LastError is null)
            {
                // The first attempt is still under way; it fails (and is reported) at the latest after StallTimeout.
                connecting.Add(camera.Id);
                continue;
            }
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

        if (problems.Count > 0)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data));
        }
        return Task.FromResult(connecting.Count > 0
            ? HealthCheckResult.Degraded(
                $"Connecting to camera(s) {string.Join(", ", connecting.Select(id => $"'{id}'"))} for the first time.", data: data)
            : HealthCheckResult.Healthy("All cameras connected and publishing.", data));
    }
}
