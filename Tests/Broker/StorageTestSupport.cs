using System.Buffers.Binary;
using System.Text;
using AspirePipeline.Broker.Storage;

namespace AspirePipeline.Tests.Broker;

/// <summary>Builds real Kafka record batches (v2, CRC-32C) whose record values say which batch and record they are.</summary>
internal static class TestBatches
{
    /// <summary>A batch of <paramref name="records"/> records, each value "batch {id} record {i}" padded to <paramref name="valueBytes"/>.</summary>
    public static byte[] Create(int id, int records = 1, int valueBytes = 100, long timestamp = 1_700_000_000_000)
    {
        var body = new List<byte>();
        for (var i = 0; i < records; i++)
        {
            var value = Encoding.ASCII.GetBytes($"batch {id} record {i} ".PadRight(valueBytes, 'x'));
            var record = new List<byte> { 0 };
            WriteVarint(record, i); // timestamp delta
            WriteVarint(record, i); // offset delta
            WriteVarint(record, -1); // null key
            WriteVarint(record, value.Length);
            record.AddRange(value);
            WriteVarint(record, 0); // no headers
            WriteVarint(body, record.Count);
            body.AddRange(record);
        }

        var batch = new byte[61 + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], 7);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], timestamp + records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records);
        body.CopyTo(batch, 61);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], Crc32C.Compute(span[21..]));
        return batch;
    }

    public static long MaxTimestamp(byte[] batch) => BinaryPrimitives.ReadInt64BigEndian(batch.AsSpan(35));

    public static long Append(IPartitionLog log, byte[] batch) => log.Append(batch, MaxTimestamp(batch));

    /// <summary>Splits fetched bytes into batches, checking each is whole and its CRC holds.</summary>
    public static List<(long BaseOffset, byte[] Bytes)> Parse(ReadOnlySpan<byte> data)
    {
        var batches = new List<(long, byte[])>();
        while (!data.IsEmpty)
        {
            Assert.True(data.Length >= 61, $"{data.Length} bytes left: a partial batch header was returned");
            var total = 12 + BinaryPrimitives.ReadInt32BigEndian(data[8..]);
            Assert.True(total <= data.Length, $"batch of {total} bytes but only {data.Length} returned: a partial batch was returned");
            var batch = data[..total];
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(batch[17..]), Crc32C.Compute(batch[21..]));
            batches.Add((BinaryPrimitives.ReadInt64BigEndian(batch), batch.ToArray()));
            data = data[total..];
        }

        return batches;
    }

    /// <summary>True when <paramref name="stored"/> is <paramref name="original"/> with only baseOffset and leader epoch rewritten.</summary>
    public static void AssertSameBatch(byte[] original, byte[] stored, long expectedBaseOffset)
    {
        Assert.Equal(original.Length, stored.Length);
        Assert.Equal(expectedBaseOffset, BinaryPrimitives.ReadInt64BigEndian(stored));
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(stored.AsSpan(12)));
        Assert.True(original.AsSpan(16).SequenceEqual(stored.AsSpan(16)), "batch contents changed in storage");
        Assert.True(original.AsSpan(8, 4).SequenceEqual(stored.AsSpan(8, 4)));
    }

    private static void WriteVarint(List<byte> output, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        while (zigzag >= 0x80)
        {
            output.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }

        output.Add((byte)zigzag);
    }
}

/// <summary>A temporary data directory removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("aspirepipeline-storage-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
