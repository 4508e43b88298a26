using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace AspirePipeline.Broker.Storage;

/// <summary>
/// Committed group offsets in an append-only file of small CRC'd records (<c>__consumer_offsets.log</c>), replayed and
/// compacted on open. Each commit is one write to the OS, so a process crash loses no acknowledged commit; a torn
/// last record is dropped with a warning.
/// Record: int32 payload length, uint32 CRC-32C of the payload, payload = kind (1 commit, 2 group deleted), group,
/// then for commits topic, partition, offset, leader epoch, metadata (int32 length, -1 = null), commit timestamp;
/// strings are int32-length-prefixed UTF-8, integers big-endian.
/// </summary>
internal sealed partial class FileOffsetStore : IOffsetStore, IDisposable
{
    public const string FileName = "__consumer_offsets.log";

    private const byte KindCommit = 1;
    private const byte KindDeleteGroup = 2;
    private const int RecordOverhead = 8;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Dictionary<(string Topic, int Partition), CommittedOffset>> _groups = new(StringComparer.Ordinal);
    private SafeFileHandle _handle;
    private long _fileLength;
    private long _records;
    private bool _unflushed;
    private bool _disposed;

    public FileOffsetStore(string directory, ILogger logger)
    {
        _path = Path.Combine(directory, FileName);
        _logger = logger;
        _handle = File.OpenHandle(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            Replay();
            if (_records > 2 * LiveCount + 64)
            {
                Compact();
            }
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    private int LiveCount => _groups.Values.Sum(g => g.Count);

    public IReadOnlyCollection<string> Groups
    {
        get
        {
            lock (_lock)
            {
                return [.. _groups.Keys];
            }
        }
    }

    public void Commit(string group, string topic, int partition, CommittedOffset offset)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(topic);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WriteRecord(KindCommit, group, topic, partition, offset);
            if (!_groups.TryGetValue(group, out var offsets))
            {
                _groups[group] = offsets = [];
            }

            offsets[(topic, partition)] = offset;
            if (_records > 4 * LiveCount + 10_000)
            {
                Compact();
            }
        }
    }

    public bool TryGet(string group, string topic, int partition, out CommittedOffset offset)
    {
        lock (_lock)
        {
            offset = default;
            return _groups.TryGetValue(group, out var offsets) && offsets.TryGetValue((topic, partition), out offset);
        }
    }

    public IReadOnlyCollection<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group)
    {
        lock (_lock)
        {
            return _groups.TryGetValue(group, out var offsets)
                ? [.. offsets.Select(o => (o.Key.Topic, o.Key.Partition, o.Value))]
                : [];
        }
    }

    public void DeleteGroup(string group)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_groups.Remove(group))
            {
                WriteRecord(KindDeleteGroup, group, "", 0, default);
            }
        }
    }

    /// <summary>fsyncs the file if anything was written since the last flush (power-loss policy).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed && _unflushed)
            {
                RandomAccess.FlushToDisk(_handle);
                _unflushed = false;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _handle.Dispose();
        }
    }

    private void WriteRecord(byte kind, string group, string topic, int partition, CommittedOffset offset)
    {
        var length = RecordLength(kind, group, topic, offset);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var record = buffer.AsSpan(0, length);
            Encode(record, kind, group, topic, partition, offset);
            RandomAccess.Write(_handle, record, _fileLength);
            _fileLength += length;
            _records++;
            _unflushed = true;
        }
        catch (IOException)
        {
            RandomAccess.SetLength(_handle, _fileLength);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int RecordLength(byte kind, string group, string topic, CommittedOffset offset) =>
        RecordOverhead + 1 + 4 + Encoding.UTF8.GetByteCount(group)
        + (kind == KindCommit ? 4 + Encoding.UTF8.GetByteCount(topic) + 4 + 8 + 4 + 4 + Encoding.UTF8.GetByteCount(offset.Metadata ?? "") + 8 : 0);

    private static void Encode(Span<byte> record, byte kind, string group, string topic, int partition, CommittedOffset offset)
    {
        var payload = record[RecordOverhead..];
        var p = 0;
        payload[p++] = kind;
        p += WriteString(payload[p..], group);
        if (kind == KindCommit)
        {
            p += WriteString(payload[p..], topic);
            BinaryPrimitives.WriteInt32BigEndian(payload[p..], partition);
            p += 4;
            BinaryPrimitives.WriteInt64BigEndian(payload[p..], offset.Offset);
            p += 8;
            BinaryPrimitives.WriteInt32BigEndian(payload[p..], offset.LeaderEpoch);
            p += 4;
            if (offset.Metadata is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload[p..], -1);
                p += 4;
            }
            else
            {
                p += WriteString(payload[p..], offset.Metadata);
            }

            BinaryPrimitives.WriteInt64BigEndian(payload[p..], offset.CommitTimestamp);
        }

        BinaryPrimitives.WriteInt32BigEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(record[4..], Crc32C.Compute(payload));
    }

    private static int WriteString(Span<byte> destination, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32BigEndian(destination, written);
        return 4 + written;
    }

    private void Replay()
    {
        var length = RandomAccess.GetLength(_handle);
        var data = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(_handle, data.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var position = 0;
        string? problem = null;
        while (position < read)
        {
            if (read - position < RecordOverhead)
            {
                problem = "short record header";
                break;
            }

            var payloadLength = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(position));
            if (payloadLength < 1 || payloadLength > read - position - RecordOverhead)
            {
                problem = "record length past the end of the file";
                break;
            }

            var payload = data.AsSpan(position + RecordOverhead, payloadLength);
            if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(position + 4)))
            {
                problem = "CRC mismatch";
                break;
            }

            if (!TryApply(payload))
            {
                problem = "unreadable record";
                break;
            }

            position += RecordOverhead + payloadLength;
            _records++;
        }

        _fileLength = position;
        if (problem is not null)
        {
            LogTornTail(_logger, _path, position, read - position, problem);
            RandomAccess.SetLength(_handle, position);
        }
    }

    private bool TryApply(ReadOnlySpan<byte> payload)
    {
        var p = 1;
        if (!TryReadString(payload, ref p, out var group) || group is null)
        {
            return false;
        }

        switch (payload[0])
        {
            case KindDeleteGroup:
                _groups.Remove(group);
                return p == payload.Length;
            case KindCommit:
                return TryApplyCommit(payload, p, group);
            default:
                return false;
        }
    }

    private bool TryApplyCommit(ReadOnlySpan<byte> payload, int p, string group)
    {
        if (!TryReadString(payload, ref p, out var topic) || topic is null || payload.Length - p < 4 + 8 + 4)
        {
            return false;
        }

        var partition = BinaryPrimitives.ReadInt32BigEndian(payload[p..]);
        var offset = BinaryPrimitives.ReadInt64BigEndian(payload[(p + 4)..]);
        var leaderEpoch = BinaryPrimitives.ReadInt32BigEndian(payload[(p + 12)..]);
        p += 16;
        if (!TryReadString(payload, ref p, out var metadata) || payload.Length - p != 8)
        {
            return false;
        }

        var timestamp = BinaryPrimitives.ReadInt64BigEndian(payload[p..]);
        if (!_groups.TryGetValue(group, out var offsets))
        {
            _groups[group] = offsets = [];
        }

        offsets[(topic, partition)] = new CommittedOffset(offset, leaderEpoch, metadata, timestamp);
        return true;
    }

    /// <summary>Reads an int32-prefixed string (-1 = null) at <paramref name="p"/>.</summary>
    private static bool TryReadString(ReadOnlySpan<byte> payload, ref int p, out string? value)
    {
        value = null;
        if (payload.Length - p < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(payload[p..]);
        p += 4;
        if (length == -1)
        {
            return true;
        }

        if (length < 0 || length > payload.Length - p)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(payload.Slice(p, length));
        p += length;
        return true;
    }

    /// <summary>Rewrites the live offsets to a temporary file and renames it over the log (atomic on POSIX).</summary>
    private void Compact()
    {
        var before = _fileLength;
        var temporary = _path + ".compacting";
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            long position = 0;
            var buffer = new ArrayBufferWriter<byte>();
            foreach (var (group, offsets) in _groups)
            {
                foreach (var ((topic, partition), offset) in offsets)
                {
                    var length = RecordLength(KindCommit, group, topic, offset);
                    Encode(buffer.GetSpan(length)[..length], KindCommit, group, topic, partition, offset);
                    buffer.Advance(length);
                }
            }

            RandomAccess.Write(handle, buffer.WrittenSpan, position);
            RandomAccess.FlushToDisk(handle);
            _fileLength = buffer.WrittenCount;
        }

        File.Move(temporary, _path, overwrite: true);
        _handle.Dispose();
        _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        _records = LiveCount;
        LogCompacted(_logger, _path, before, _fileLength, _records);
    }

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning,
        Message = "Committed offsets file {OffsetsFile}: torn tail at position {Position} ({Reason}); " +
            "dropped {BytesDropped} bytes, earlier commits kept")]
    private static partial void LogTornTail(ILogger logger, string offsetsFile, long position, long bytesDropped,
        string reason);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information,
        Message = "Committed offsets file {OffsetsFile} compacted from {BytesBefore} to {BytesAfter} bytes ({Records} offsets)")]
    private static partial void LogCompacted(ILogger logger, string offsetsFile, long bytesBefore, long bytesAfter, long records);
}
