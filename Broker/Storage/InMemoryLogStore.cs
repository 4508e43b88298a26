using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace AspirePipeline.Broker.Storage;

/// <summary>Keeps every partition log and committed offset in memory (<c>--in-memory</c>, tests).</summary>
internal sealed class InMemoryLogStore : ILogStore
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), InMemoryPartitionLog> _logs = new();
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _topicConfigs = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> ExistingTopics { get; } = new Dictionary<string, int>();

    public IOffsetStore Offsets { get; } = new InMemoryOffsetStore();

    /// <summary>Nothing is written to disk, so segments only matter to the file store.</summary>
    public int DefaultSegmentBytes => new FileLogStoreOptions().SegmentBytes;

    public string? DataDirectory => null;

    public IReadOnlyDictionary<string, string> ReadTopicConfig(string topic) =>
        _topicConfigs.TryGetValue(topic, out var configs) ? configs : new Dictionary<string, string>();

    public void WriteTopicConfig(string topic, IReadOnlyDictionary<string, string> configs) =>
        _topicConfigs[topic] = new Dictionary<string, string>(configs, StringComparer.Ordinal);

    public IPartitionLog OpenPartition(string topic, int partition) =>
        _logs.GetOrAdd((topic, partition), static _ => new InMemoryPartitionLog());

    public void DeleteTopic(string topic)
    {
        _topicConfigs.TryRemove(topic, out _);
        foreach (var key in _logs.Keys)
        {
            if (key.Topic == topic && _logs.TryRemove(key, out var log))
            {
                log.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var log in _logs.Values)
        {
            log.Dispose();
        }

        _logs.Clear();
    }
}

/// <summary>One partition's batches as byte arrays, searched by base offset.</summary>
internal sealed class InMemoryPartitionLog : IPartitionLog
{
    private readonly Lock _lock = new();
    private readonly List<StoredBatch> _batches = [];
    private TaskCompletionSource? _dataArrived;
    private long _logStartOffset;
    private long _logEndOffset;
    private long _size;

    private sealed record StoredBatch(long BaseOffset, long LastOffset, long MaxTimestamp, DateTimeOffset AppendedAt, byte[] Bytes);

    public long LogStartOffset
    {
        get
        {
            lock (_lock)
            {
                return _logStartOffset;
            }
        }
    }

    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    public long SizeInBytes => Volatile.Read(ref _size);

    public long Append(ReadOnlySpan<byte> batch, long maxTimestamp)
    {
        var copy = batch.ToArray();
        var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(23, 4));
        TaskCompletionSource? toSignal;
        long baseOffset;
        lock (_lock)
        {
            baseOffset = _logEndOffset;
            BinaryPrimitives.WriteInt64BigEndian(copy.AsSpan(0, 8), baseOffset);
            BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(12, 4), 0);
            _batches.Add(new StoredBatch(baseOffset, baseOffset + lastOffsetDelta, maxTimestamp, DateTimeOffset.UtcNow, copy));
            Volatile.Write(ref _logEndOffset, baseOffset + lastOffsetDelta + 1);
            Volatile.Write(ref _size, _size + copy.Length);
            toSignal = _dataArrived;
            _dataArrived = null;
        }

        toSignal?.TrySetResult();
        return baseOffset;
    }

    public int Read(long offset, int maxBytes, IBufferWriter<byte> destination)
    {
        lock (_lock)
        {
            if (offset < _logStartOffset || offset > _logEndOffset)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(offset), offset, $"outside the log [{_logStartOffset}, {_logEndOffset}]");
            }

            var index = FindBatch(offset);
            var written = 0;
            for (var i = index; i < _batches.Count; i++)
            {
                var bytes = _batches[i].Bytes;
                if (written > 0 && written + bytes.Length > maxBytes)
                {
                    break;
                }

                destination.Write(bytes);
                written += bytes.Length;
            }

            return written;
        }
    }

    /// <summary>Index of the batch containing <paramref name="offset"/> (or the first after it); caller holds the lock.</summary>
    private int FindBatch(long offset)
    {
        int low = 0, high = _batches.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_batches[mid].LastOffset < offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    public long? OffsetForTimestamp(long timestamp)
    {
        lock (_lock)
        {
            foreach (var batch in _batches)
            {
                if (batch.MaxTimestamp >= timestamp)
                {
                    return Math.Max(batch.BaseOffset, _logStartOffset);
                }
            }

            return null;
        }
    }

    public Task WaitForDataAsync(long offset, CancellationToken cancellationToken)
    {
        Task waiter;
        lock (_lock)
        {
            if (_logEndOffset > offset)
            {
                return Task.CompletedTask;
            }

            _dataArrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = _dataArrived.Task;
        }

        return waiter.WaitAsync(cancellationToken);
    }

    public (int Segments, long Bytes) ApplyRetention(long? retentionBytes, TimeSpan? retentionAge, DateTimeOffset now)
    {
        lock (_lock)
        {
            var drop = 0;
            var size = _size;
            // The newest batch always stays so the log end offset remains readable state.
            while (drop < _batches.Count - 1)
            {
                var oldest = _batches[drop];
                var tooBig = retentionBytes is { } limit && size > limit;
                var tooOld = retentionAge is { } age && now - oldest.AppendedAt > age;
                if (!tooBig && !tooOld)
                {
                    break;
                }

                size -= oldest.Bytes.Length;
                drop++;
            }

            if (drop > 0)
            {
                _batches.RemoveRange(0, drop);
                _logStartOffset = _batches[0].BaseOffset;
            }

            var deleted = _size - size;
            Volatile.Write(ref _size, size);
            return (drop, deleted);
        }
    }

    /// <summary>Batches are kept one by one in memory, so there are no segments to roll.</summary>
    public void SetRollLimits(int segmentBytes, long segmentMs)
    {
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _dataArrived?.TrySetCanceled();
            _dataArrived = null;
        }
    }
}

internal sealed class InMemoryOffsetStore : IOffsetStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string Topic, int Partition), CommittedOffset>> _groups = new();

    public IReadOnlyCollection<string> Groups => [.. _groups.Keys];

    public void Commit(string group, string topic, int partition, CommittedOffset offset) =>
        _groups.GetOrAdd(group, static _ => new())[(topic, partition)] = offset;

    public bool TryGet(string group, string topic, int partition, out CommittedOffset offset)
    {
        offset = default;
        return _groups.TryGetValue(group, out var offsets) && offsets.TryGetValue((topic, partition), out offset);
    }

    public IReadOnlyCollection<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group) =>
        _groups.TryGetValue(group, out var offsets)
            ? [.. offsets.Select(static kv => (kv.Key.Topic, kv.Key.Partition, kv.Value))]
            : [];

    public void DeleteGroup(string group) => _groups.TryRemove(group, out _);
}
