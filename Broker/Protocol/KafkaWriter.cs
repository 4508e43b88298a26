using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace AspirePipeline.Broker.Protocol;

/// <summary>
/// Writes Kafka's non-flexible wire encoding into a growable pooled buffer. Also an <see cref="IBufferWriter{T}"/>, so
/// partition logs copy record batches straight into a response.
/// </summary>
internal sealed class KafkaWriter : IDisposable, IBufferWriter<byte>
{
    private byte[] _buffer;

    public KafkaWriter(int initialCapacity = 256) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    private Span<byte> Grab(int count)
    {
        if (Length + count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + count));
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public void WriteInt8(sbyte value) => Grab(1)[0] = (byte)value;

    public void WriteBoolean(bool value) => Grab(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Grab(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Grab(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Grab(8), value);

    public void WriteUuid(Guid value) => value.TryWriteBytes(Grab(16), bigEndian: true, out _);

    public void WriteString(string value) => WriteNullableString(value);

    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt16(checked((short)length));
        Encoding.UTF8.GetBytes(value, Grab(length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(Grab(value.Length));
    }

    public void WriteNullableBytes(ReadOnlyMemory<byte>? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }

        WriteBytes(value.Value.Span);
    }

    /// <summary>Raw bytes with no length prefix (e.g. record batches after a length written separately).</summary>
    public void WriteRaw(ReadOnlySpan<byte> value) => value.CopyTo(Grab(value.Length));

    /// <summary>Reserves an int32 to be filled in later (lengths known only after the content is written).</summary>
    public int ReserveInt32()
    {
        var at = Length;
        Grab(4);
        return at;
    }

    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    /// <summary>Overwrites 8 bytes written earlier at <paramref name="position"/>.</summary>
    public void PatchInt64(int position, long value) => BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(position, 8), value);

    public void WriteArray<T>(IReadOnlyCollection<T> items, Action<KafkaWriter, T> writeElement)
    {
        WriteInt32(items.Count);
        foreach (var item in items)
        {
            writeElement(this, item);
        }
    }

    public void Reset() => Length = 0;

    /// <summary>Drops everything written after <paramref name="length"/> bytes (undoing a partly built section).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Length + count > _buffer.Length)
        {
            throw new InvalidOperationException($"advanced {count} bytes past the end of the buffer");
        }

        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(Length);
    }

    private void EnsureFree(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Grab(count);
            Length -= count;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
