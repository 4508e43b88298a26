using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Storage;

/// <summary>
/// A partition log on disk: a folder of segment files named by base offset. Appends are serialised by
/// <see cref="_appendLock"/> (one positional write per batch, two for large ones, done before Append returns, so the batch is in the OS); the short
/// <see cref="_stateLock"/> guards offsets, sizes and indexes, so readers never wait behind a large write or copy.
/// </summary>
internal sealed partial class FilePartitionLog : IPartitionLog
{
    /// <summary>Batches up to this size are copied and written with one syscall; a copy this small costs less than a second write.</summary>
    private const int CopyWholeBatchBytes = 16 * 1024;

    /// <summary>baseOffset, batchLength and partitionLeaderEpoch: the part of a batch the log rewrites.</summary>
    private const int PatchedPrefixBytes = RecordBatchLayout.PartitionLeaderEpochPosition + sizeof(int);

    private readonly Lock _appendLock = new();
    private readonly Lock _stateLock = new();
    private readonly string _directory;
    private readonly string _name;
    private readonly FileLogStoreOptions _options;
    private readonly ILogger _logger;

    private LogSegment[] _segments;
    private long _logStartOffset;
    private long _logEndOffset;
    private long _size;
    private TaskCompletionSource? _dataArrived;
    private bool _unflushed;
    private bool _disposed;
    private int _segmentBytes;
    private long _segmentMs = long.MaxValue;

    /// <summary>Wall-clock milliseconds of the active segment's first append (segment.ms counts from there, as in Kafka).</summary>
    private long _activeSegmentStartedMs;

    private FilePartitionLog(string directory, string name, FileLogStoreOptions options, ILogger logger, LogSegment[] segments)
    {
        _directory = directory;
        _name = name;
        _options = options;
        _logger = logger;
        _segments = segments;
        _logStartOffset = segments[0].BaseOffset;
        _logEndOffset = segments[^1].NextOffset;
        _size = segments.Sum(s => s.Size);
        _segmentBytes = options.SegmentBytes;
        _activeSegmentStartedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    public string Name => _name;

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    public long SizeInBytes => Volatile.Read(ref _size);

    internal int SegmentCount
    {
        get
        {
            lock (_stateLock)
            {
                return _segments.Length;
            }
        }
    }

    /// <summary>Opens (or creates) the partition folder, rebuilding indexes and truncating a torn tail.</summary>
    public static FilePartitionLog Open(string directory, string name, FileLogStoreOptions options, ILogger logger)
    {
        Directory.CreateDirectory(directory);
        var files = Directory.EnumerateFiles(directory, "*.log")
            .Select(path => (Path: path, Ok: LogSegment.TryParseFileName(Path.GetFileName(path), out var baseOffset), BaseOffset: baseOffset))
            .Where(f => f.Ok)
            .OrderBy(f => f.BaseOffset)
            .ToList();

        var segments = new List<LogSegment>();
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                var segment = LogSegment.Open(files[i].Path, files[i].BaseOffset, options.IndexIntervalBytes);
                segments.Add(segment);
                if (segments.Count > 1 && segment.BaseOffset != segments[^2].NextOffset)
                {
                    // A gap or overlap means the previous segment lost its tail in a way recovery could not repair;
                    // serving past it would hand out offsets that do not exist, so the log ends there.
                    LogSegmentGap(logger, name, segment.FilePath, segments[^2].NextOffset, segment.BaseOffset);
                    DropFrom(segments, segments.Count - 1, files, i, logger, name);
                    break;
                }

                var isLast = i == files.Count - 1;
                if (!Recover(segment, verifyCrc: isLast, logger, name) && !isLast)
                {
                    DropFrom(segments, segments.Count, files, i + 1, logger, name);
                    break;
                }
            }

            if (segments.Count == 0)
            {
                segments.Add(LogSegment.Open(Path.Combine(directory, LogSegment.FileName(0)), 0, options.IndexIntervalBytes));
            }
        }
        catch
        {
            segments.ForEach(s => s.Dispose());
            throw;
        }

        return new FilePartitionLog(directory, name, options, logger, [.. segments]);
    }

    private static void DropFrom(List<LogSegment> segments, int keep, List<(string Path, bool Ok, long BaseOffset)> files,
        int firstFile, ILogger logger, string name)
    {
        for (var j = segments.Count - 1; j >= keep; j--)
        {
            segments[j].Dispose();
            segments.RemoveAt(j);
        }

        for (var j = firstFile; j < files.Count; j++)
        {
            LogSegmentDropped(logger, name, files[j].Path, new FileInfo(files[j].Path).Length);
            File.Delete(files[j].Path);
        }
    }

    /// <summary>
    /// Scans a segment's batch headers, rebuilding its index; stops at the first batch that is short, runs past the end
    /// of the file, is not contiguous or (when <paramref name="verifyCrc"/>) fails its CRC, and truncates the file there.
    /// Returns false when something was truncated.
    /// </summary>
    private static bool Recover(LogSegment segment, bool verifyCrc, ILogger logger, string name)
    {
        var fileLength = RandomAccess.GetLength(segment.Handle);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            var reader = new SequentialReader(segment, fileLength, buffer);
            long position = 0;
            var expected = segment.BaseOffset;
            string? problem = null;
            while (position < fileLength)
            {
                if (fileLength - position < RecordBatchLayout.HeaderSize)
                {
                    problem = "short batch header";
                    break;
                }

                var header = reader.Get(position, RecordBatchLayout.HeaderSize);
                var baseOffset = RecordBatchLayout.BaseOffset(header);
                var total = (long)RecordBatchLayout.TotalSize(header);
                var lastOffsetDelta = RecordBatchLayout.LastOffsetDelta(header);
                var maxTimestamp = RecordBatchLayout.MaxTimestamp(header);
                var storedCrc = RecordBatchLayout.StoredCrc(header);
                if (total < RecordBatchLayout.HeaderSize || header[RecordBatchLayout.MagicPosition] != 2 || lastOffsetDelta < 0)
                {
                    problem = "invalid batch header";
                    break;
                }

                if (position + total > fileLength)
                {
                    problem = "batch length past the end of the file";
                    break;
                }

                if (baseOffset != expected)
                {
                    problem = $"base offset {baseOffset} where {expected} was expected";
                    break;
                }

                if (verifyCrc && reader.Crc(position + RecordBatchLayout.CrcStart, total - RecordBatchLayout.CrcStart) != storedCrc)
                {
                    problem = "CRC mismatch";
                    break;
                }

                expected = baseOffset + lastOffsetDelta + 1;
                segment.OnAppended(baseOffset, (int)total, expected, maxTimestamp);
                position += total;
            }

            if (problem is null)
            {
                return true;
            }

            LogTornTail(logger, name, segment.FilePath, position, fileLength - position, problem);
            RandomAccess.SetLength(segment.Handle, position);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public long Append(ReadOnlySpan<byte> batch, long maxTimestamp)
    {
        if (batch.Length < RecordBatchLayout.HeaderSize)
        {
            throw new ArgumentException($"A record batch needs at least {RecordBatchLayout.HeaderSize} bytes; got {batch.Length}.", nameof(batch));
        }

        var lastOffsetDelta = RecordBatchLayout.LastOffsetDelta(batch);

        // The two rewritten fields (baseOffset, partitionLeaderEpoch) sit in the first 16 bytes. A small batch is copied
        // whole so it goes out in one write; a large one is written as a patched 16-byte prefix plus the caller's bytes
        // untouched, two positional writes instead of a copy of up to message.max.bytes (the copy was a visible share
        // of the produce profile at 100 KB to 1 MB batches). Either way the batch is in the OS before Append returns.
        var copyWhole = batch.Length <= CopyWholeBatchBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(copyWhole ? batch.Length : PatchedPrefixBytes);
        try
        {
            var prefix = buffer.AsSpan(0, copyWhole ? batch.Length : PatchedPrefixBytes);
            batch[..prefix.Length].CopyTo(prefix);
            var rest = batch[prefix.Length..];
            BinaryPrimitives.WriteInt32BigEndian(prefix[RecordBatchLayout.PartitionLeaderEpochPosition..], 0);

            TaskCompletionSource? arrived;
            long baseOffset;
            lock (_appendLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                baseOffset = _logEndOffset;
                BinaryPrimitives.WriteInt64BigEndian(prefix, baseOffset);

                var segment = _segments[^1];
                var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                if (segment.Size == 0)
                {
                    _activeSegmentStartedMs = nowMs;
                }
                else if (segment.Size + batch.Length > _segmentBytes || nowMs - _activeSegmentStartedMs >= _segmentMs)
                {
                    segment = Roll(baseOffset);
                    _activeSegmentStartedMs = nowMs;
                }

                try
                {
                    // Prefix first: a crash between the writes leaves a header whose length runs past the end of the
                    // file, which recovery truncates like any torn tail (the batch was not acknowledged).
                    RandomAccess.Write(segment.Handle, prefix, segment.Size);
                    if (!rest.IsEmpty)
                    {
                        RandomAccess.Write(segment.Handle, rest, segment.Size + prefix.Length);
                    }
                }
                catch
                {
                    // A partial write must not stay in front of the next batch.
                    TryTruncate(segment);
                    throw;
                }

                lock (_stateLock)
                {
                    segment.OnAppended(baseOffset, batch.Length, baseOffset + lastOffsetDelta + 1, maxTimestamp);
                    Volatile.Write(ref _size, _size + batch.Length);
                    Volatile.Write(ref _logEndOffset, baseOffset + lastOffsetDelta + 1);
                    _unflushed = true;
                    arrived = _dataArrived;
                    _dataArrived = null;
                }
            }

            arrived?.TrySetResult();
            return baseOffset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryTruncate(LogSegment segment)
    {
        try
        {
            RandomAccess.SetLength(segment.Handle, segment.Size);
        }
        catch (IOException)
        {
            // Recovery on the next open truncates it instead.
        }
    }

    /// <summary>Starts a new segment at <paramref name="baseOffset"/>. Caller holds the append lock.</summary>
    private LogSegment Roll(long baseOffset)
    {
        var previous = _segments[^1];
        if (_options.FlushIntervalMs > 0)
        {
            RandomAccess.FlushToDisk(previous.Handle);
        }

        var segment = LogSegment.Open(Path.Combine(_directory, LogSegment.FileName(baseOffset)), baseOffset, _options.IndexIntervalBytes);
        lock (_stateLock)
        {
            _segments = [.. _segments, segment];
        }

        LogSegmentRolled(_logger, _name, baseOffset, previous.Size);
        return segment;
    }

    public int Read(long offset, int maxBytes, IBufferWriter<byte> destination)
    {
        for (var attempt = 0; ; attempt++)
        {
            LogSegment segment;
            long position, end;
            lock (_stateLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (offset < _logStartOffset || offset > _logEndOffset)
                {
                    throw new ArgumentOutOfRangeException(nameof(offset), offset,
                        $"Offset {offset} is outside the log {_name}, which holds [{_logStartOffset}, {_logEndOffset}].");
                }

                if (offset == _logEndOffset)
                {
                    return 0;
                }

                segment = FindSegment(offset);
                position = segment.LookupPosition(offset);
                end = segment.Size;
            }

            try
            {
                return segment.ReadBatches(offset, position, end, maxBytes, destination);
            }
            catch (ObjectDisposedException) when (attempt == 0)
            {
                // Retention deleted the segment between the lookup and the read: look again, which now reports the
                // offset as out of range (or finds it, if it was a stale race with a roll).
            }
        }
    }

    /// <summary>Last segment whose base offset is at or below <paramref name="offset"/>. Caller holds the state lock.</summary>
    private LogSegment FindSegment(long offset)
    {
        int lo = 0, hi = _segments.Length - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _segments[found];
    }

    public long? OffsetForTimestamp(long timestamp)
    {
        LogSegment? segment = null;
        long position = 0, end = 0;
        lock (_stateLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var candidate in _segments)
            {
                if (candidate.MaxTimestamp >= timestamp)
                {
                    segment = candidate;
                    position = candidate.LookupTimestampPosition(timestamp);
                    end = candidate.Size;
                    break;
                }
            }
        }

        try
        {
            return segment?.FindTimestamp(timestamp, position, end);
        }
        catch (ObjectDisposedException)
        {
            // Deleted by retention meanwhile: the answer is now in a later segment.
            return OffsetForTimestamp(timestamp);
        }
    }

    public Task WaitForDataAsync(long offset, CancellationToken cancellationToken)
    {
        TaskCompletionSource arrived;
        lock (_stateLock)
        {
            if (_logEndOffset > offset || _disposed)
            {
                return Task.CompletedTask;
            }

            arrived = _dataArrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return cancellationToken.CanBeCanceled ? WaitCancellable(arrived.Task, cancellationToken) : arrived.Task;

        // Cancellation (the fetch's MaxWaitMs elapsing, or shutdown) is an ordinary end of the wait, not an error.
        static async Task WaitCancellable(Task arrived, CancellationToken cancellationToken) =>
            await arrived.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public (int Segments, long Bytes) ApplyRetention(long? retentionBytes, TimeSpan? retentionAge, DateTimeOffset now)
    {
        if (retentionBytes is null && retentionAge is null)
        {
            return (0, 0);
        }

        var oldestKept = retentionAge is { } age ? (now - age).ToUnixTimeMilliseconds() : long.MinValue;
        LogSegment[] doomed;
        lock (_appendLock)
        {
            if (_disposed)
            {
                return (0, 0);
            }

            lock (_stateLock)
            {
                var remove = 0;
                var size = _size;
                // Whole segments, oldest first, never the active one; by bytes as Kafka does: a segment goes only when
                // the log without it is still at least the limit.
                for (; remove < _segments.Length - 1; remove++)
                {
                    var segment = _segments[remove];
                    var tooOld = LargestTimestamp(segment) < oldestKept;
                    var tooBig = retentionBytes is { } limit && size - segment.Size >= limit;
                    if (!tooOld && !tooBig)
                    {
                        break;
                    }

                    size -= segment.Size;
                }

                if (remove == 0)
                {
                    return (0, 0);
                }

                doomed = _segments[..remove];
                _segments = _segments[remove..];
                Volatile.Write(ref _size, size);
                Volatile.Write(ref _logStartOffset, _segments[0].BaseOffset);
            }
        }

        long bytes = 0;
        foreach (var segment in doomed)
        {
            bytes += segment.Size;
            segment.Dispose();
            File.Delete(segment.FilePath);
            LogSegmentDeleted(_logger, _name, segment.BaseOffset, segment.Size);
        }

        return (doomed.Length, bytes);
    }

    public void SetRollLimits(int segmentBytes, long segmentMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentMs);
        lock (_appendLock)
        {
            _segmentBytes = segmentBytes;
            _segmentMs = segmentMs;
        }
    }

    private static long LargestTimestamp(LogSegment segment) =>
        // Batches without timestamps (-1) fall back to when the segment was last written, as Kafka does.
        segment.MaxTimestamp >= 0 ? segment.MaxTimestamp : new DateTimeOffset(File.GetLastWriteTimeUtc(segment.FilePath)).ToUnixTimeMilliseconds();

    /// <summary>fsyncs the active segment if anything was appended since the last flush (power-loss policy).</summary>
    public void Flush()
    {
        LogSegment segment;
        lock (_stateLock)
        {
            if (_disposed || !_unflushed)
            {
                return;
            }

            _unflushed = false;
            segment = _segments[^1];
        }

        try
        {
            RandomAccess.FlushToDisk(segment.Handle);
        }
        catch (ObjectDisposedException)
        {
            // Rolled and closed or deleted meanwhile; a roll flushes the segment it closes.
        }
    }

    public void Dispose()
    {
        TaskCompletionSource? arrived;
        LogSegment[] segments;
        lock (_appendLock)
        {
            lock (_stateLock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                arrived = _dataArrived;
                _dataArrived = null;
                segments = _segments;
            }
        }

        arrived?.TrySetResult();
        if (_options.FlushIntervalMs > 0)
        {
            RandomAccess.FlushToDisk(segments[^1].Handle);
        }

        foreach (var segment in segments)
        {
            segment.Dispose();
        }
    }

    /// <summary>Sequential reads through a large buffer, so recovery costs one read per buffer, not one per header.</summary>
    private sealed class SequentialReader(LogSegment segment, long fileLength, byte[] buffer)
    {
        private long _start;
        private int _length;

        public ReadOnlySpan<byte> Get(long position, int count)
        {
            if (position < _start || position + count > _start + _length)
            {
                _start = position;
                _length = (int)Math.Min(buffer.Length, fileLength - position);
                segment.ReadExactly(buffer.AsSpan(0, _length), position);
            }

            return buffer.AsSpan((int)(position - _start), count);
        }

        public uint Crc(long position, long count)
        {
            var crc = Crc32C.Seed;
            while (count > 0)
            {
                var chunk = (int)Math.Min(count, buffer.Length);
                crc = Crc32C.Append(crc, Get(position, chunk));
                position += chunk;
                count -= chunk;
            }

            return Crc32C.Finish(crc);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Partition {Partition}: torn tail in {SegmentFile} at position {Position} ({Reason}); " +
            "truncated {BytesDropped} bytes, everything before is served")]
    private static partial void LogTornTail(ILogger logger, string partition, string segmentFile, long position,
        long bytesDropped, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Partition {Partition}: segment {SegmentFile} starts at offset {ActualOffset} " +
            "but the log before it ends at {ExpectedOffset}; the log ends there")]
    private static partial void LogSegmentGap(ILogger logger, string partition, string segmentFile, long expectedOffset,
        long actualOffset);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "Partition {Partition}: deleted segment {SegmentFile} ({BytesDropped} bytes) that followed a damaged segment")]
    private static partial void LogSegmentDropped(ILogger logger, string partition, string segmentFile, long bytesDropped);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug,
        Message = "Partition {Partition}: rolled a new segment at offset {BaseOffset} after {PreviousBytes} bytes")]
    private static partial void LogSegmentRolled(ILogger logger, string partition, long baseOffset, long previousBytes);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
        Message = "Partition {Partition}: retention deleted the segment at offset {BaseOffset} ({Bytes} bytes)")]
    private static partial void LogSegmentDeleted(ILogger logger, string partition, long baseOffset, long bytes);
}
