using System.Diagnostics;
using System.Threading.Channels;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// The consumer's two stages: a dedicated thread runs the blocking Kafka <c>Consume</c> loop and hands messages over a
/// bounded channel to the processing loop, which decodes, analyses, reports and only then stores the offset. Offsets
/// are therefore stored in consumption order per partition, and auto-commit only ever commits processed frames.
/// </summary>
internal sealed partial class FrameConsumerService : BackgroundService, IRebalanceListener
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReplayLookupTimeout = TimeSpan.FromSeconds(10);

    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly KafkaClientMetrics _kafkaMetrics;
    private readonly FrameProcessor _processor;
    private readonly DeliveredOffsets _offsets;
    private readonly ProcessingStatistics _statistics;
    private readonly FrameProcessingTelemetry _telemetry;
    private readonly ConsumerIdentity _identity;
    private readonly FrameProcessingOptions _options;
    private readonly ReplayStart _replay;
    private readonly ILogger<FrameConsumerService> _logger;
    private readonly HashSet<TopicPartition> _assignment = [];
    // A plain object: Monitor.Wait/Pulse need it (System.Threading.Lock has no condition variable).
    private readonly object _inFlightGate = new();
    private int _inFlight;
    private volatile bool _closing;

    public FrameConsumerService(
        IConsumer<byte[], byte[]> consumer,
        IProducer<byte[], byte[]> producer,
        FrameProcessor processor,
        DeliveredOffsets offsets,
        RebalanceHandlers rebalanceHandlers,
        ProcessingStatistics statistics,
        FrameProcessingTelemetry telemetry,
        ConsumerIdentity identity,
        KafkaClientMetrics kafkaMetrics,
        IOptions<FrameProcessingOptions> options,
        ReplayStart replay,
        ILogger<FrameConsumerService> logger)
    {
        _kafkaMetrics = kafkaMetrics;
        _consumer = consumer;
        _producer = producer;
        _processor = processor;
        _offsets = offsets;
        _statistics = statistics;
        _telemetry = telemetry;
        _identity = identity;
        _options = options.Value;
        _replay = replay;
        _logger = logger;
        rebalanceHandlers.Listener = this;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        OpenCvThreading.Apply(_options.OpenCvThreads);
        var channel = Channel.CreateBounded<ConsumeResult<byte[], byte[]>>(
            new BoundedChannelOptions(_options.ChannelCapacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });

        _consumer.Subscribe(_options.Topic);
        LogSubscribed(_identity.GroupId, _options.Topic, _identity.Analyzer, _identity.InstanceId);

        // Stops the consume thread on shutdown and also when processing fails, so the Join below cannot hang.
        using var consumeStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var consumeThread = new Thread(() => ConsumeLoop(channel.Writer, consumeStop.Token))
        {
            IsBackground = true,
            Name = "kafka-consume",
        };
        consumeThread.Start();

        try
        {
            await foreach (var result in channel.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await _processor.ProcessAsync(result, stoppingToken);
                }
                finally
                {
                    CompleteInFlight();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Close() must not run concurrently with Consume(): wait for the consume thread to leave first.
            await consumeStop.CancelAsync();
            consumeThread.Join();
            // Results of processed frames go out before their offsets are committed by Close().
            var unsent = _producer.Flush(FlushTimeout);
            if (unsent > 0)
            {
                LogResultsNotFlushed(unsent);
            }
            _closing = true;
            // Close (not Dispose) commits the stored offsets and leaves the group, so the next member starts at once.
            var closing = Stopwatch.GetTimestamp();
            _consumer.Close();
            LogClosed(_identity.GroupId, _statistics.FramesProcessed, Stopwatch.GetElapsedTime(closing).TotalMilliseconds);
        }
    }

    private void ConsumeLoop(ChannelWriter<ConsumeResult<byte[], byte[]>> writer, CancellationToken stoppingToken)
    {
        Exception? failure = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]>? result;
                var consumeStarted = Stopwatch.GetTimestamp();
                try
                {
                    result = _consumer.Consume(stoppingToken);
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    _kafkaMetrics.RecordReceive(
                        _options.Topic, _identity.GroupId, Stopwatch.GetElapsedTime(consumeStarted), exception.Error.Code.ToString());
                    LogConsumeError(exception.Error.Code, exception.Error.Reason);
                    continue;
                }
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }
                _kafkaMetrics.RecordReceive(result.Topic, _identity.GroupId, Stopwatch.GetElapsedTime(consumeStarted));
                if (SkipIfLagging(result))
                {
                    continue;
                }

                lock (_inFlightGate)
                {
                    _inFlight++;
                }
                // Blocking here is the point: a full channel holds the consume loop back instead of buffering frames.
                if (!writer.TryWrite(result))
                {
                    writer.WriteAsync(result, stoppingToken).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            failure = exception;
            _statistics.SetFatalError(exception.Message);
            LogConsumeLoopFailed(exception);
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    /// <summary>
    /// Implements <see cref="FrameProcessingOptions.SkipToNewestWhenLagExceeds"/>, and records each partition's lag from
    /// the high watermark the client last fetched (a local read, no broker round trip).
    /// </summary>
    private bool SkipIfLagging(ConsumeResult<byte[], byte[]> result)
    {
        var watermarks = _consumer.GetWatermarkOffsets(result.TopicPartition);
        if (watermarks.High == Offset.Unset)
        {
            return false;
        }
        var offset = result.Offset.Value;
        var lag = watermarks.High.Value - offset - 1;
        _statistics.SetLag(result.Partition.Value, lag);

        var limit = _options.SkipToNewestWhenLagExceeds;
        if (limit <= 0 || lag <= limit)
        {
            return false;
        }

        var newest = watermarks.High.Value - 1;
        var skipped = newest - offset;
        _consumer.Seek(new TopicPartitionOffset(result.TopicPartition, newest));
        _statistics.RecordSkipped(skipped);
        _statistics.SetLag(result.Partition.Value, 0);
        _telemetry.RecordSkipped(skipped);
        LogSkipped(result.Partition.Value, offset, newest, skipped, lag, limit);
        return true;
    }

    private void CompleteInFlight()
    {
        lock (_inFlightGate)
        {
            if (--_inFlight == 0)
            {
                Monitor.PulseAll(_inFlightGate);
            }
        }
    }

    /// <summary>Waits (bounded) until the processing loop has finished every frame the consume loop handed over.</summary>
    private bool WaitForInFlight(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_inFlightGate)
        {
            while (_inFlight > 0)
            {
                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0 || !Monitor.Wait(_inFlightGate, TimeSpan.FromMilliseconds(remaining)))
                {
                    return _inFlight == 0;
                }
            }
            return true;
        }
    }

    IEnumerable<TopicPartitionOffset> IRebalanceListener.OnAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        // Incremental under the cooperative protocol, the whole assignment under the eager one: keep a set either way.
        _assignment.UnionWith(partitions);
        _statistics.SetAssignment(_assignment.Select(partition => partition.Partition.Value));
        LogAssigned(_identity.GroupId, FormatPartitions(partitions));
        return _replay.From is { } from ? ReplayOffsets(partitions, from) : partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset));
    }

    /// <summary>
    /// Partitions this group has committed offsets for continue there (a restarted replay resumes); the others start
    /// at the first frame stamped at or after <paramref name="from"/> (ListOffsets by timestamp), or at the end when
    /// there is none.
    /// </summary>
    private List<TopicPartitionOffset> ReplayOffsets(IReadOnlyList<TopicPartition> partitions, DateTimeOffset from)
    {
        var committed = _consumer.Committed(partitions, ReplayLookupTimeout)
            .Where(position => position.Offset.Value >= 0)
            .ToDictionary(position => position.TopicPartition);
        var fresh = partitions.Where(partition => !committed.ContainsKey(partition)).ToList();
        var found = fresh.Count == 0
            ? []
            : _consumer.OffsetsForTimes(fresh.Select(p => new TopicPartitionTimestamp(p, new Timestamp(from.UtcDateTime))), ReplayLookupTimeout);
        var starts = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            if (committed.TryGetValue(partition, out var resume))
            {
                starts.Add(new TopicPartitionOffset(partition, Offset.Unset));
                LogReplayResumed(_identity.GroupId, partition.Partition.Value, resume.Offset.Value);
                continue;
            }
            var offset = found.FirstOrDefault(f => f.TopicPartition == partition)?.Offset ?? Offset.End;
            var start = offset.Value >= 0 ? offset : Offset.End;
            starts.Add(new TopicPartitionOffset(partition, start));
            LogReplayStart(_identity.GroupId, partition.Partition.Value, from, start.ToString());
        }
        return starts;
    }

    void IRebalanceListener.OnRevoked(IReadOnlyList<TopicPartitionOffset> partitions)
    {
        // Frames of these partitions may still be in the channel; finish them so their offsets are committed here
        // rather than redelivered to the partitions' next owner.
        if (_closing)
        {
            // Close() commits the stored offsets itself; a second, synchronous commit here would only add a wait
            // for the coordinator when the broker is gone. What is left in the channel is redelivered later.
            ForgetPartitions(partitions.Select(partition => partition.TopicPartition));
            return;
        }
        var drained = WaitForInFlight(_options.RevokeDrainTimeout);
        // Their offsets are stored once their results are acknowledged: wait for those too (bounded, as the drain).
        if (_offsets.Count > 0)
        {
            _producer.Flush(_options.RevokeDrainTimeout);
        }
        try
        {
            _consumer.Commit();
        }
        catch (KafkaException exception) when (exception.Error.Code == ErrorCode.Local_NoOffset)
        {
            // Nothing processed since the last commit.
        }
        catch (KafkaException exception)
        {
            LogCommitOnRevokeFailed(exception.Error.Code, exception.Error.Reason);
        }
        ForgetPartitions(partitions.Select(partition => partition.TopicPartition));
        LogRevoked(_identity.GroupId, FormatPartitions(partitions.Select(partition => partition.TopicPartition)), drained);
    }

    void IRebalanceListener.OnLost(IReadOnlyList<TopicPartitionOffset> partitions)
    {
        // Lost partitions already belong to someone else: committing would overwrite their progress.
        ForgetPartitions(partitions.Select(partition => partition.TopicPartition));
        LogLost(_identity.GroupId, FormatPartitions(partitions.Select(partition => partition.TopicPartition)));
    }

    private void ForgetPartitions(IEnumerable<TopicPartition> partitions)
    {
        var forgotten = partitions.ToList();
        _offsets.Forget(forgotten);
        _assignment.ExceptWith(forgotten);
        _statistics.SetAssignment(_assignment.Select(partition => partition.Partition.Value));
    }

    private static string FormatPartitions(IEnumerable<TopicPartition> partitions) =>
        string.Join(',', partitions.Select(partition => $"{partition.Topic}[{partition.Partition.Value}]"));

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Consumer group {GroupId} subscribed to {Topic} running {Analyzer} as {InstanceId}")]
    private partial void LogSubscribed(string groupId, string topic, string analyzer, string instanceId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Group {GroupId} assigned {Partitions}")]
    private partial void LogAssigned(string groupId, string partitions);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information,
        Message = "Group {GroupId} replays partition {Partition} from {From:O}: starting at offset {Offset}")]
    private partial void LogReplayStart(string groupId, int partition, DateTimeOffset from, string offset);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information,
        Message = "Group {GroupId} resumes its replay of partition {Partition} at committed offset {Offset}")]
    private partial void LogReplayResumed(string groupId, int partition, long offset);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Group {GroupId} revoked {Partitions}; in-flight frames finished before commit: {Drained}")]
    private partial void LogRevoked(string groupId, string partitions, bool drained);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "Group {GroupId} lost {Partitions}; uncommitted frames will be redelivered to their new owner")]
    private partial void LogLost(string groupId, string partitions);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Commit on revoke failed: {ErrorCode} {Reason}")]
    private partial void LogCommitOnRevokeFailed(ErrorCode errorCode, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Consume failed, retrying: {ErrorCode} {Reason}")]
    private partial void LogConsumeError(ErrorCode errorCode, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Critical, Message = "The consume loop stopped on a fatal error")]
    private partial void LogConsumeLoopFailed(Exception exception);

    // Debug: a group that runs at its own pace skips several times a second by design; the summary line, the live view
    // and the consumer.frames.skipped metric count the frames.
    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug,
        Message = "Partition {Partition} lag {Lag} exceeds {Limit} (FrameProcessing:SkipToNewestWhenLagExceeds): " +
            "skipped from offset {Offset} to newest {Newest}, {Skipped} frames")]
    private partial void LogSkipped(int partition, long offset, long newest, long skipped, long lag, int limit);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning,
        Message = "{Unsent} result or dead-letter records were not delivered before shutdown")]
    private partial void LogResultsNotFlushed(int unsent);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information,
        Message = "Consumer of group {GroupId} closed after {FramesProcessed} frames in {CloseMs:F0} ms; stored offsets committed")]
    private partial void LogClosed(string groupId, long framesProcessed, double closeMs);
}
