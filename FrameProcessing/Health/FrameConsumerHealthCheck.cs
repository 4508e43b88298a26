using AspirePipeline.FrameProcessing.Reporting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.Health;

/// <summary>
/// Healthy once the group coordinator has given this consumer its share (partitions, or none when the group has more
/// members than partitions) and the lag stays under <see cref="FrameProcessingOptions.MaxHealthyLag"/>.
/// </summary>
internal sealed class FrameConsumerHealthCheck(
    ProcessingStatistics statistics,
    ConsumerIdentity identity,
    IOptions<FrameProcessingOptions> options) : IHealthCheck
{
    public const string Name = "frame-consumer";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["group"] = identity.GroupId,
            ["partitions"] = string.Join(',', statistics.AssignedPartitions),
            ["lag"] = statistics.TotalLag,
            ["framesProcessed"] = statistics.FramesProcessed,
        };

        if (statistics.FatalError is { } error)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The consume loop stopped: {error}", data: data));
        }
        if (!statistics.HasJoinedGroup)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"Waiting for group '{identity.GroupId}' to assign partitions of '{identity.Topic}'.", data: data));
        }

        var lag = statistics.TotalLag;
        var maxLag = options.Value.MaxHealthyLag;
        if (lag > maxLag)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"Lag of {lag} messages exceeds {maxLag} (FrameProcessing:MaxHealthyLag).", data: data));
        }

        var partitions = statistics.AssignedPartitions;
        return Task.FromResult(HealthCheckResult.Healthy(partitions.Count == 0
            ? $"Joined group '{identity.GroupId}' with no partitions assigned (more members than partitions)."
            : $"Assigned partitions {string.Join(',', partitions)} of '{identity.Topic}', lag {lag}.", data));
    }
}
