using AspirePipeline.Clips.Kafka;
using AspirePipeline.Recording;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Catalog;

/// <summary>
/// Fills the <see cref="RecordingCatalog"/>: reads every partition of the video topic from its start with the registered
/// consumer (assigned, no group, values not even copied: <see cref="Ignore"/>), then follows it; every
/// <see cref="ClipsOptions.CatalogRefreshInterval"/> it takes on new partitions and forgets what retention deleted.
/// Reading the whole topic once at start costs what retention holds in network and disk reads, but it is the only
/// way Kafka can tell which keys a partition has. The blocking consume loop runs on its own thread.
/// </summary>
internal sealed partial class RecordingCatalogService(
    IConsumer<string, Ignore> consumer,
    RecordingCatalog catalog,
    IOptions<ClipsOptions> options,
    ILogger<RecordingCatalogService> logger) : BackgroundService
{
    private static readonly TimeSpan ConsumeSlice = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MissingTopicRetry = TimeSpan.FromSeconds(2);

    private readonly HashSet<int> _assigned = [];
    private string? _reportedProblem;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Follow(stoppingToken);
                finished.TrySetResult();
            }
            catch (Exception exception)
            {
                LogFollowFailed(exception);
                finished.TrySetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "frames.video catalog",
        };
        thread.Start();
        return finished.Task;
    }

    private void Follow(CancellationToken stoppingToken)
    {
        var topic = options.Value.VideoTopic;
        // Shares the consumer's connections; disposed (on this thread) before DI disposes the consumer.
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var nextRefresh = 0L;
        var started = Environment.TickCount64;
        var caughtUp = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (Environment.TickCount64 >= nextRefresh)
            {
                var wait = Refresh(admin, topic) ? options.Value.CatalogRefreshInterval : MissingTopicRetry;
                nextRefresh = Environment.TickCount64 + (long)wait.TotalMilliseconds;
            }
            ConsumeResult<string, Ignore>? result;
            try
            {
                result = consumer.Consume(ConsumeSlice);
            }
            catch (ConsumeException exception) when (!exception.Error.IsFatal)
            {
                LogConsumeError(exception.Error.Code, exception.Error.Reason);
                continue;
            }
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                catalog.ReachedEnd(result.Partition.Value);
                if (!caughtUp && catalog.Status().CaughtUp)
                {
                    caughtUp = true;
                    var status = catalog.Status();
                    LogCaughtUp(topic, status.Partitions.Count, status.Messages, catalog.Cameras().Count, Environment.TickCount64 - started);
                }
                continue;
            }
            if (result.Message.Key is not { Length: > 0 } camera)
            {
                continue;
            }
            var headers = result.Message.Headers;
            catalog.Add(camera, result.Partition.Value, result.Offset.Value, result.Message.Timestamp.UnixTimestampMs,
                VideoMessageHeaders.IsKeyframe(headers), VideoMessageHeaders.Text(headers, VideoHeaders.Codec));
        }
    }

    /// <summary>New partitions assigned from their start, retention's deletions forgotten; false while the topic is missing.</summary>
    private bool Refresh(IAdminClient admin, string topic)
    {
        var timeout = options.Value.KafkaTimeout;
        try
        {
            var metadata = admin.GetMetadata(topic, timeout).Topics.FirstOrDefault(t => t.Topic == topic);
            if (metadata is null || metadata.Error.IsError)
            {
                Report($"{topic} does not exist ({metadata?.Error.Reason ?? "not in the metadata"}): no camera is recorded yet. "
                    + "The producer records a camera with Cameras:{id}:Record=true.");
                return false;
            }
            var added = metadata.Partitions.Select(partition => partition.PartitionId).Where(_assigned.Add).Order().ToList();
            if (added.Count > 0)
            {
                consumer.IncrementalAssign(added.Select(partition => new TopicPartitionOffset(topic, partition, Offset.Beginning)));
                added.ForEach(catalog.Assigned);
                LogAssigned(topic, string.Join(", ", added));
            }
            foreach (var partition in _assigned)
            {
                var low = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), timeout).Low;
                if (low.Value > 0)
                {
                    catalog.Trim(partition, low.Value);
                }
            }
            Report(null);
            return true;
        }
        catch (KafkaException exception)
        {
            Report($"Kafka did not answer within {timeout.TotalSeconds:0.#} s ({exception.Error.Code}: {exception.Error.Reason}).");
            return false;
        }
    }

    private void Report(string? problem)
    {
        catalog.SetProblem(problem);
        if (problem == _reportedProblem)
        {
            return;
        }
        _reportedProblem = problem;
        if (problem is null)
        {
            LogReading(options.Value.VideoTopic);
        }
        else
        {
            LogCannotRead(problem);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Catalog reads {Topic} partition(s) {Partitions} from their start")]
    private partial void LogAssigned(string topic, string partitions);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
        Message = "Catalog caught up with {Topic}: {Partitions} partition(s), {Messages} messages, {Cameras} camera(s) in {ElapsedMs} ms")]
    private partial void LogCaughtUp(string topic, int partitions, long messages, int cameras, long elapsedMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Catalog cannot read the recordings: {Problem}")]
    private partial void LogCannotRead(string problem);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Catalog reads {Topic}")]
    private partial void LogReading(string topic);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Catalog consume failed, retrying: {ErrorCode} {Reason}")]
    private partial void LogConsumeError(ErrorCode errorCode, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Critical, Message = "The catalog's consume loop stopped on a fatal error")]
    private partial void LogFollowFailed(Exception exception);
}
