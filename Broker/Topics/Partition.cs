using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Records;
using AspirePipeline.Broker.Storage;

namespace AspirePipeline.Broker.Topics;

/// <summary>One partition led by this node: its log plus the idempotent-producer state guarding appends.</summary>
public sealed class Partition(string topic, int index, IPartitionLog log)
{
    private readonly Lock _appendLock = new();
    private readonly ProducerSequences _producers = new();

    public string Topic { get; } = topic;

    public int Index { get; } = index;

    public IPartitionLog Log { get; } = log;

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
