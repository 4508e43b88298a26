using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker.Topics;

/// <summary>Applies the byte/age retention limits to every partition on a fixed interval.</summary>
public sealed partial class RetentionRunner(TopicRegistry topics, IOptions<BrokerOptions> options, ILogger<RetentionRunner> logger)
{
    private readonly BrokerOptions _options = options.Value;

    public bool Enabled => _options.RetentionBytes is not null || _options.RetentionMs is not null;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

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
        TimeSpan? age = _options.RetentionMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        foreach (var topic in topics.Snapshot())
        {
            foreach (var partition in topic.Partitions)
            {
                try
                {
                    var before = partition.Log.LogStartOffset;
                    partition.Log.ApplyRetention(_options.RetentionBytes, age, now);
                    var after = partition.Log.LogStartOffset;
                    if (after != before)
                    {
                        LogRetentionApplied(topic.Name, partition.Index, before, after);
                    }
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    LogRetentionFailed(ex, topic.Name, partition.Index);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information,
        Message = "Retention moved the start of {Topic}-{Partition} from offset {OldStartOffset} to {NewStartOffset}")]
    private partial void LogRetentionApplied(string topic, int partition, long oldStartOffset, long newStartOffset);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Retention of {Topic}-{Partition} failed")]
    private partial void LogRetentionFailed(Exception exception, string topic, int partition);
}
