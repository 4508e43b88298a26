using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Records;

/// <summary>
/// Idempotent-producer state of one partition: per producer id the epoch and the last few appended batches, so a
/// retried batch is answered with its original offset and a gap is refused. Not thread-safe: the partition's append
/// lock guards it.
/// </summary>
internal sealed class ProducerSequences
{
    // Kafka keeps 5 because librdkafka and the Java client allow at most 5 in-flight requests with idempotence.
    private const int RememberedBatches = 5;

    private readonly Dictionary<long, ProducerEntry> _producers = [];

    private sealed class ProducerEntry(short epoch)
    {
        public short Epoch { get; set; } = epoch;

        public Queue<(int FirstSequence, int LastSequence, long BaseOffset)> Recent { get; } = new(RememberedBatches);

        public int LastSequence { get; set; } = -1;
    }

    public enum Verdict
    {
        Append,
        Duplicate,
        Reject,
    }

    /// <summary>Decides what to do with a batch before it is appended.</summary>
    public Verdict Check(in RecordBatchHeader header, out long duplicateBaseOffset, out short errorCode)
    {
        duplicateBaseOffset = -1;
        errorCode = ErrorCode.None;
        if (!header.IsIdempotent || header.BaseSequence < 0)
        {
            return Verdict.Append;
        }

        if (!_producers.TryGetValue(header.ProducerId, out var entry))
        {
            // Unknown producer (new, or its state was lost with a broker restart): accept whatever sequence it is at.
            return Verdict.Append;
        }

        if (header.ProducerEpoch < entry.Epoch)
        {
            errorCode = ErrorCode.InvalidProducerEpoch;
            return Verdict.Reject;
        }

        if (header.ProducerEpoch > entry.Epoch)
        {
            if (header.BaseSequence != 0)
            {
                errorCode = ErrorCode.OutOfOrderSequenceNumber;
                return Verdict.Reject;
            }

            return Verdict.Append;
        }

        foreach (var (first, last, baseOffset) in entry.Recent)
        {
            if (first == header.BaseSequence && last == header.LastSequence)
            {
                duplicateBaseOffset = baseOffset;
                return Verdict.Duplicate;
            }
        }

        var expected = entry.LastSequence == int.MaxValue ? 0 : entry.LastSequence + 1;
        if (header.BaseSequence != expected)
        {
            errorCode = ErrorCode.OutOfOrderSequenceNumber;
            return Verdict.Reject;
        }

        return Verdict.Append;
    }

    /// <summary>Records an appended batch.</summary>
    public void Appended(in RecordBatchHeader header, long baseOffset)
    {
        if (!header.IsIdempotent || header.BaseSequence < 0)
        {
            return;
        }

        if (!_producers.TryGetValue(header.ProducerId, out var entry))
        {
            entry = new ProducerEntry(header.ProducerEpoch);
            _producers[header.ProducerId] = entry;
        }
        else if (header.ProducerEpoch != entry.Epoch)
        {
            entry.Epoch = header.ProducerEpoch;
            entry.Recent.Clear();
        }

        if (entry.Recent.Count == RememberedBatches)
        {
            entry.Recent.Dequeue();
        }

        entry.Recent.Enqueue((header.BaseSequence, header.LastSequence, baseOffset));
        entry.LastSequence = header.LastSequence;
    }
}
