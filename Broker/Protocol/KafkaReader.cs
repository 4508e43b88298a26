using System.Buffers.Binary;
using System.Text;

namespace AspirePipeline.Broker.Protocol;

/// <summary>
/// Reads Kafka's non-flexible wire encoding (big-endian integers, int16-prefixed strings, int32-prefixed bytes and arrays)
/// from one request body. Every read is bounds-checked and throws <see cref="MalformedRequestException"/>, so a truncated
/// or lying request can only cost its own connection.
/// </summary>
internal sealed class KafkaReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;

    public int Position { get; private set; }

    public int Remaining => _buffer.Length - Position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MalformedRequestException($"needs {count} bytes at position {Position}, {Remaining} left");
        }

        var span = _buffer.Span.Slice(Position, count);
        Position += count;
        return span;
    }

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public bool ReadBoolean() => Take(1)[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public string ReadString() =>
        ReadNullableString() ?? throw new MalformedRequestException($"null string at position {Position - 2}");

    public string? ReadNullableString()
    {
        var length = ReadInt16();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Bytes or records: an int32 length, -1 for null. The result aliases the request buffer.</summary>
    public ReadOnlyMemory<byte>? ReadNullableBytes()
    {
        var length = ReadInt32();
        if (length < 0)
        {
            return null;
        }

        var start = Position;
        _ = Take(length);
        return _buffer.Slice(start, length);
    }

    public ReadOnlyMemory<byte> ReadBytes() =>
        ReadNullableBytes() ?? throw new MalformedRequestException($"null bytes at position {Position - 4}");

    /// <summary>
    /// Reads an array count and checks it against the bytes left, so an absurd count (2^31 elements in a 40-byte
    /// request) fails fast instead of allocating.
    /// </summary>
    public int ReadArrayCount(int minElementSize = 1)
    {
        var count = ReadInt32();
        if (count < -1 || (count > 0 && (long)count * Math.Max(minElementSize, 1) > Remaining))
        {
            throw new MalformedRequestException($"array count {count} cannot fit in the {Remaining} bytes left");
        }

        return Math.Max(count, 0);
    }

    public List<T> ReadArray<T>(Func<KafkaReader, T> readElement, int minElementSize = 1)
    {
        var count = ReadArrayCount(minElementSize);
        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(readElement(this));
        }

        return items;
    }
}

/// <summary>A request that does not parse: the connection that sent it is closed, nothing else is affected.</summary>
internal sealed class MalformedRequestException(string message) : Exception(message);
