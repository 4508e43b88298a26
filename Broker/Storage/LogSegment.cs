using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace AspirePipeline.Broker.Storage;

/// <summary>
/// One append-only segment file (<c>&lt;baseOffset:D20&gt;.log</c>) and its sparse index. The owning
/// <see cref="FilePartitionLog"/> serialises appends and guards <see cref="Size"/> and the index with its state lock;
/// file reads happen outside any lock with positional reads, bounded by a size taken under that lock, so they only
/// ever see whole batches.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    private IndexEntry[] _index = new IndexEntry[16];
    private int _indexCount;
    private long _bytesSinceIndexEntry;
    private readonly int _indexIntervalBytes;

    private LogSegment(string path, long baseOffset, SafeFileHandle handle, int indexIntervalBytes)
    {
        FilePath = path;
        BaseOffset = baseOffset;
        Handle = handle;
        _indexIntervalBytes = indexIntervalBytes;
    }

    public string FilePath { get; }

    public long BaseOffset { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>Bytes of whole batches in the file (the append position).</summary>
    public long Size { get; private set; }

    /// <summary>Largest batch max timestamp in the segment, -1 when none carried one.</summary>
    public long MaxTimestamp { get; private set; } = -1;

    /// <summary>Offset after the segment's last batch.</summary>
    public long NextOffset { get; private set; }

    public static string FileName(long baseOffset) => $"{baseOffset:D20}.log";

    public static bool TryParseFileName(string fileName, out long baseOffset)
    {
        baseOffset = 0;
        return fileName.Length == 24 && fileName.EndsWith(".log", StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), System.Globalization.NumberStyles.None, null, out baseOffset);
    }

    public static LogSegment Open(string path, long baseOffset, int indexIntervalBytes)
    {
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        return new LogSegment(path, baseOffset, handle, indexIntervalBytes) { NextOffset = baseOffset };
    }

    /// <summary>Records a batch written at <see cref="Size"/>. Caller holds the state lock.</summary>
    public void OnAppended(long batchBaseOffset, int length, long nextOffset, long maxTimestamp)
    {
        // The first batch of a segment is always indexed, then one entry per interval: a lookup scans at most an
        // interval's worth of headers. The entry keeps the running max timestamp before the batch for time lookups.
        if (_indexCount == 0 || _bytesSinceIndexEntry >= _indexIntervalBytes)
        {
            if (_indexCount == _index.Length)
            {
                Array.Resize(ref _index, _index.Length * 2);
            }

            _index[_indexCount++] = new IndexEntry(batchBaseOffset, Size, MaxTimestamp);
            _bytesSinceIndexEntry = 0;
        }

        _bytesSinceIndexEntry += length;
        Size += length;
        NextOffset = nextOffset;
        MaxTimestamp = Math.Max(MaxTimestamp, maxTimestamp);
    }

    /// <summary>Position of the last indexed batch starting at or before <paramref name="offset"/>. Caller holds the state lock.</summary>
    public long LookupPosition(long offset)
    {
        int lo = 0, hi = _indexCount - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_index[mid].Offset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _indexCount == 0 ? 0 : _index[found].Position;
    }

    /// <summary>
    /// Position from which the first batch with max timestamp >= <paramref name="timestamp"/> is found by scanning.
    /// Caller holds the state lock and has checked <see cref="MaxTimestamp"/> >= timestamp.
    /// </summary>
    public long LookupTimestampPosition(long timestamp)
    {
        // MaxTimestampBefore is monotonic: the last entry whose predecessors are all older is where the scan starts.
        int lo = 0, hi = _indexCount - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_index[mid].MaxTimestampBefore < timestamp)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _indexCount == 0 ? 0 : _index[found].Position;
    }

    /// <summary>
    /// Copies whole batches from the one containing <paramref name="offset"/> (scanning from <paramref name="position"/>)
    /// up to <paramref name="end"/>, within <paramref name="maxBytes"/> except that the first batch is always whole.
    /// </summary>
    public int ReadBatches(long offset, long position, long end, int maxBytes, IBufferWriter<byte> destination)
    {
        Span<byte> header = stackalloc byte[RecordBatchLayout.LocatorSize];
        int firstSize;
        while (true)
        {
            if (position >= end)
            {
                return 0;
            }

            ReadExactly(header, position);
            firstSize = RecordBatchLayout.TotalSize(header);
            if (RecordBatchLayout.BaseOffset(header) + RecordBatchLayout.LastOffsetDelta(header) >= offset)
            {
                break;
            }

            position += firstSize;
        }

        var limit = (int)Math.Min(end - position, Math.Max(firstSize, maxBytes));
        var span = destination.GetSpan(limit)[..limit];
        ReadExactly(span, position);

        var taken = firstSize;
        while (taken + RecordBatchLayout.LogOverhead <= limit)
        {
            var next = RecordBatchLayout.TotalSize(span[taken..]);
            if (next > limit - taken)
            {
                break;
            }

            taken += next;
        }

        destination.Advance(taken);
        return taken;
    }

    /// <summary>Base offset of the first batch at or after <paramref name="position"/> with max timestamp >= <paramref name="timestamp"/>.</summary>
    public long? FindTimestamp(long timestamp, long position, long end)
    {
        Span<byte> header = stackalloc byte[RecordBatchLayout.LocatorSize];
        while (position < end)
        {
            ReadExactly(header, position);
            if (RecordBatchLayout.MaxTimestamp(header) >= timestamp)
            {
                return RecordBatchLayout.BaseOffset(header);
            }

            position += RecordBatchLayout.TotalSize(header);
        }

        return null;
    }

    public void ReadExactly(Span<byte> destination, long position)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(Handle, destination, position);
            if (read == 0)
            {
                throw new EndOfStreamException($"Segment {FilePath} ends at {position}, before the {destination.Length} bytes expected there.");
            }

            destination = destination[read..];
            position += read;
        }
    }

    public void Dispose() => Handle.Dispose();

    private readonly record struct IndexEntry(long Offset, long Position, long MaxTimestampBefore);
}
