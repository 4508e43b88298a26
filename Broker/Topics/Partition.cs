using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Records;
using AspirePipeline.Broker.Storage;

namespace AspirePipeline.Broker.Topics;

/// <summary>One partition led by this node: its log plus the idempotent-producer state guarding appends.</summary>
internal sealed class Partition(string topic, int index, IPartitionLog log)
{
    private readonly Lock _appendLock = new();
    private readonly ProducerSequences _producers = new();

    public string Topic { get; } = topic;

    public int Index { get; } = index;

    public IPartitionLog Log { get; } = log;

    /// <summary>
    /// Rebuilds the idempotent-producer state from the newest batches of a log found at start, so a producer retrying
    /// a batch that was written just before a crash gets its original offset instead of a duplicate.
    /// Returns how many idempotent batches were seen.
    /// </summary>
    internal int RecoverProducerState()
    {
        // Offsets count records, so stepping back a few hundred reaches every batch a producer may still retry
        // (at most 5 in flight per producer) without reading the whole log.
        const int RecordsBack = 512;
        const int ChunkBytes = 1 << 20;
        const long MaxBytesRead = 64L << 20;
        var end = Log.LogEndOffset;
        var offset = Math.Max(Log.LogStartOffset, end - RecordsBack);
        var seen = 0;
        long bytesRead = 0;
        using var chunk = new Protocol.KafkaWriter(ChunkBytes);
        lock (_appendLock)
        {
            while (offset < end && bytesRead < MaxBytesRead)
            {
                chunk.Reset();
                var read = Log.Read(offset, ChunkBytes, chunk);
                if (read == 0)
                {
                    break;
                }

                bytesRead += read;
                var batches = chunk.WrittenSpan;
                while (RecordBatchHeader.TryRead(batches, out var header) && header.TotalSize <= batches.Length)
                {
                    var baseOffset = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(batches);
                    if (header.IsIdempotent)
                    {
                        _producers.Appended(header, baseOffset);
                        seen++;
                    }

                    offset = baseOffset + header.LastOffsetDelta + 1;
                    batches = batches[header.TotalSize..];
                }
            }
        }

        return seen;
    }

    /// <summary>
    /// Appends one validated batch after the idempotence check; a retried duplicate returns its original base offset
    /// without appending. The lock is never held across an await: the append is synchronous.
    /// </summary>
    internal short Append(ReadOnlySpan<byte> batch, in RecordBatchHeader header, out long baseOffset)
    {
        lock (_appendLock)
        {
            switch (_producers.Check(header, out var duplicateOffset, out var error))
            {
                case ProducerSequences.Verdict.Duplicate:
                    baseOffset = duplicateOffset;
                    return ErrorCode.None;
                case ProducerSequences.Verdict.Reject:
                    baseOffset = -1;
                    return error;
            }

            baseOffset = Log.Append(batch, Math.Max(header.MaxTimestamp, header.BaseTimestamp));
            _producers.Appended(header, baseOffset);
            return ErrorCode.None;
        }
    }
}
