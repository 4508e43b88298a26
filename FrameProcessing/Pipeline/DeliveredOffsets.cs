using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// Stores a partition's offset for commit only once its frame is done: processed, and what it wrote (its result, its
/// events, a dead letter) acknowledged by Kafka; and every frame before it in the partition done too. Storing the
/// offset when a result was merely handed to the producer let a commit count a frame whose result then died with the
/// process (or timed out): at most once for that frame. Acknowledgements arrive on librdkafka's thread, and across the
/// results topic's partitions out of order, so frames are kept in offset order per partition.
/// </summary>
internal sealed partial class DeliveredOffsets
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, SortedDictionary<long, Frame>> _pending = [];
    private readonly Action<TopicPartitionOffset> _store;
    private readonly ILogger<DeliveredOffsets> _logger;

    public DeliveredOffsets(IConsumer<byte[], byte[]> consumer, ILogger<DeliveredOffsets> logger)
        : this(consumer.StoreOffset, logger)
    {
    }

    /// <summary>With <paramref name="store"/> in the consumer's place (tests).</summary>
    internal DeliveredOffsets(Action<TopicPartitionOffset> store, ILogger<DeliveredOffsets> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>A frame begins: it is done once <see cref="Done"/> was called for it and for each <see cref="Expect"/>.</summary>
    public Frame Begin(TopicPartition partition, long offset)
    {
        var frame = new Frame(partition, offset);
        lock (_lock)
        {
            if (!_pending.TryGetValue(partition, out var frames))
            {
                _pending[partition] = frames = [];
            }
            frames[offset] = frame;
        }
        return frame;
    }

    /// <summary>One more message of the frame's to be acknowledged before it is done.</summary>
    public void Expect(Frame frame)
    {
        lock (_lock)
        {
            frame.Outstanding++;
        }
    }

    /// <summary>The frame's processing, or one of its messages, is done; stores the partition's offset as far as it can.</summary>
    public void Done(Frame frame)
    {
        lock (_lock)
        {
            if (--frame.Outstanding > 0 || !IsPendingLocked(frame))
            {
                return;
            }
            var frames = _pending[frame.Partition];
            long? through = null;
            while (frames.Count > 0 && frames.First() is { Value.Outstanding: 0 } first)
            {
                frames.Remove(first.Key);
                through = first.Key;
            }
            if (through is { } last)
            {
                Store(new TopicPartitionOffset(frame.Partition, last + 1));
            }
        }
    }

    /// <summary>Whether the frame's partition is still this member's and the frame not yet done.</summary>
    public bool IsPending(Frame frame)
    {
        lock (_lock)
        {
            return IsPendingLocked(frame);
        }
    }

    /// <summary>Frames begun and not yet done, in every partition.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Values.Sum(frames => frames.Count);
            }
        }
    }

    /// <summary>The partitions went to another member: what was pending there is theirs to process again.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                _pending.Remove(partition);
            }
        }
    }

    private bool IsPendingLocked(Frame frame) =>
        _pending.TryGetValue(frame.Partition, out var frames) && frames.TryGetValue(frame.Offset, out var found) && ReferenceEquals(found, frame);

    private void Store(TopicPartitionOffset offset)
    {
        try
        {
            _store(offset);
        }
        catch (KafkaException exception) when (exception.Error.Code == ErrorCode.Local_State)
        {
            // The partition was revoked meanwhile: its new owner gets these frames again (at least once).
            LogOffsetNotStored(offset.Partition.Value, offset.Offset.Value);
        }
    }

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug,
        Message = "Offset {Offset} of partition {Partition} not stored: the partition was revoked; its new owner processes it again")]
    private partial void LogOffsetNotStored(int partition, long offset);

    /// <summary>One consumed message on its way; counts what it still waits for.</summary>
    internal sealed class Frame(TopicPartition partition, long offset)
    {
        public TopicPartition Partition { get; } = partition;

        public long Offset { get; } = offset;

        internal int Outstanding { get; set; } = 1;
    }
}
