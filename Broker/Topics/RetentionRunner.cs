using AspirePipeline.Broker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker.Topics;

/// <summary>
/// Kafka's log retention check: every <see cref="BrokerOptions.RetentionCheckIntervalMs"/> (log.retention.check.interval.ms)
/// each partition drops its whole closed segments older than the topic's retention.ms (by the segment's largest
/// timestamp) or beyond its retention.bytes (oldest first), which moves the log start offset.
/// </summary>
internal sealed partial class RetentionRunner(
    TopicRegistry topics,
    BrokerMetrics metrics,
    IOptions<BrokerOptions> options,
    ILogger<RetentionRunner> logger)
{
    private readonly BrokerOptions _options = options.Value;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (broker shutdown), which ends it normally.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Topic configs can set retention at any time, so the check runs even when the broker sets no limit.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.RetentionCheckIntervalMs));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                ApplyOnce(DateTimeOffset.UtcNow);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Broker shutdown.
        }
    }

    public void ApplyOnce(DateTimeOffset now)
    {
        var defaults = topics.Defaults;
        foreach (var topic in topics.Snapshot())
        {
            var config = topic.Config;
            var retentionMs = defaults.RetentionMs(config);
            var retentionBytes = defaults.RetentionBytes(config);
            if (retentionMs < 0 && retentionBytes < 0)
            {
                continue;
            }

            TimeSpan? age = retentionMs >= 0 ? TimeSpan.FromMilliseconds(retentionMs) : null;
            long? bytes = retentionBytes >= 0 ? retentionBytes : null;
            foreach (var partition in topic.Partitions)
            {
                try
                {
                    var before = partition.Log.LogStartOffset;
                    var (segments, deleted) = partition.Log.ApplyRetention(bytes, age, now);
                    if (segments > 0)
                    {
                        metrics.RetentionDeleted(topic.Name, segments, deleted);
                        LogRetentionApplied(topic.Name, partition.Index, before, partition.Log.LogStartOffset, segments, deleted);
                    }
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
                {
                    LogRetentionFailed(ex, topic.Name, partition.Index);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information,
        Message = "Retention moved the start of {Topic}-{Partition} from offset {OldStartOffset} to {NewStartOffset}, " +
            "deleting {Segments} segments ({Bytes} bytes)")]
    private partial void LogRetentionApplied(string topic, int partition, long oldStartOffset, long newStartOffset, int segments,
        long bytes);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Retention of {Topic}-{Partition} failed")]
    private partial void LogRetentionFailed(Exception exception, string topic, int partition);
}
