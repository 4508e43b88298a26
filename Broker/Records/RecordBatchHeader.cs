using System.Buffers.Binary;

namespace AspirePipeline.Broker.Records;

/// <summary>
/// The 61-byte header of a Kafka record batch (magic 2). The broker never parses the records behind it: batches are
/// stored and served as opaque bytes.
/// </summary>
internal readonly struct RecordBatchHeader
{
    public const int Size = 61;
    public const int LengthFieldEnd = 12;
    private const int CrcOffset = 17;
    private const int CrcCoveredFrom = 21;

    public int BatchLength { get; private init; }

    public sbyte Magic { get; private init; }

    public short Attributes { get; private init; }

    public int LastOffsetDelta { get; private init; }

    public long BaseTimestamp { get; private init; }

    public long MaxTimestamp { get; private init; }

    public long ProducerId { get; private init; }

    public short ProducerEpoch { get; private init; }

    public int BaseSequence { get; private init; }

    public int RecordCount { get; private init; }

    /// <summary>Whole batch size on the wire (the length field counts from byte 12).</summary>
    public int TotalSize => BatchLength + LengthFieldEnd;

    public bool IsTransactional => (Attributes & 0x10) != 0;

    public bool IsControl => (Attributes & 0x20) != 0;

    public bool IsIdempotent => ProducerId >= 0;

    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Reads the header at the start of <paramref name="bytes"/>; false when fewer than 61 bytes remain.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out RecordBatchHeader header)
    {
        if (bytes.Length < Size)
        {
            header = default;
            return false;
        }

        header = new RecordBatchHeader
        {
            BatchLength = BinaryPrimitives.ReadInt32BigEndian(bytes[8..]),
            Magic = (sbyte)bytes[16],
            Attributes = BinaryPrimitives.ReadInt16BigEndian(bytes[21..]),
            LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(bytes[23..]),
            BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(bytes[27..]),
            MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(bytes[35..]),
            ProducerId = BinaryPrimitives.ReadInt64BigEndian(bytes[43..]),
            ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(bytes[51..]),
            BaseSequence = BinaryPrimitives.ReadInt32BigEndian(bytes[53..]),
            RecordCount = BinaryPrimitives.ReadInt32BigEndian(bytes[57..]),
        };
        return true;
    }

    /// <summary>CRC-32C (Castagnoli) of bytes 21..end, as the batch's CRC field requires.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Storage.Crc32C.Compute(batch[CrcCoveredFrom..]);

    public static uint StoredCrc(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]);
}
