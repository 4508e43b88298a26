using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace AspirePipeline.Broker.Storage;

/// <summary>Offsets of the record batch v2 header fields the log reads (Kafka's docs/implementation.html).</summary>
internal static class RecordBatchLayout
{
    public const int HeaderSize = 61;

    /// <summary>baseOffset (int64) + batchLength (int32): batchLength counts the bytes after these 12.</summary>
    public const int LogOverhead = 12;

    public const int BatchLengthPosition = 8;
    public const int PartitionLeaderEpochPosition = 12;
    public const int MagicPosition = 16;
    public const int CrcPosition = 17;
    public const int CrcStart = 21;
    public const int LastOffsetDeltaPosition = 23;
    public const int MaxTimestampPosition = 35;

    /// <summary>Bytes of the header prefix that locate a batch: up to and including maxTimestamp.</summary>
    public const int LocatorSize = MaxTimestampPosition + 8;

    public static long BaseOffset(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt64BigEndian(header);

    public static int TotalSize(ReadOnlySpan<byte> header) =>
        LogOverhead + BinaryPrimitives.ReadInt32BigEndian(header[BatchLengthPosition..]);

    public static int LastOffsetDelta(ReadOnlySpan<byte> header) =>
        BinaryPrimitives.ReadInt32BigEndian(header[LastOffsetDeltaPosition..]);

    public static long MaxTimestamp(ReadOnlySpan<byte> header) =>
        BinaryPrimitives.ReadInt64BigEndian(header[MaxTimestampPosition..]);

    public static uint StoredCrc(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32BigEndian(header[CrcPosition..]);
}

/// <summary>CRC-32C (Castagnoli) with the hardware instruction, incremental so large batches can be checked in chunks.</summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            crc = BitOperations.Crc32C(crc, word);
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    public static uint Finish(uint crc) => ~crc;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));
}
