using System.Buffers.Binary;
using System.Net.Sockets;
using System.Numerics;
using System.Text;

namespace AspirePipeline.Tests.Broker;

/// <summary>A bare TCP connection speaking hand-built Kafka frames, for protocol-level tests.</summary>
internal sealed class RawKafkaConnection : IAsyncDisposable
{
    private readonly TcpClient _client = new() { NoDelay = true };
    private NetworkStream _stream = null!;
    private int _nextCorrelationId = 1;

    public static async Task<RawKafkaConnection> ConnectAsync(string bootstrap)
    {
        var connection = new RawKafkaConnection();
        var (host, port) = (bootstrap[..bootstrap.LastIndexOf(':')], int.Parse(bootstrap[(bootstrap.LastIndexOf(':') + 1)..]));
        await connection._client.ConnectAsync(host, port).WaitAsync(TimeSpan.FromSeconds(10));
        connection._stream = connection._client.GetStream();
        return connection;
    }

    public NetworkStream Stream => _stream;

    public Socket Socket => _client.Client;

    /// <summary>Sends a request with header v1 (size prefix, key, version, correlation id, client id) and the body.</summary>
    public async Task<int> SendAsync(short apiKey, short apiVersion, byte[] body, string? clientId = "raw-test")
    {
        var correlationId = _nextCorrelationId++;
        var header = new List<byte>();
        header.AddRange(BigEndian16(apiKey));
        header.AddRange(BigEndian16(apiVersion));
        header.AddRange(BigEndian32(correlationId));
        header.AddRange(String16(clientId));
        var frame = new byte[4 + header.Count + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, header.Count + body.Length);
        header.CopyTo(frame, 4);
        body.CopyTo(frame, 4 + header.Count);
        await _stream.WriteAsync(frame);
        return correlationId;
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads one response frame (after the size) within the deadline; returns the body after the correlation id.</summary>
    public async Task<(int CorrelationId, byte[] Body)> ReceiveAsync(TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(10));
        var size = new byte[4];
        await _stream.ReadExactlyAsync(size, timeout.Token);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await _stream.ReadExactlyAsync(frame, timeout.Token);
        return (BinaryPrimitives.ReadInt32BigEndian(frame), frame[4..]);
    }

    /// <summary>True once the broker closed the connection (read returns 0 or resets) within the deadline.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, timeout.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    public static byte[] BigEndian16(short value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(b, value);
        return b;
    }

    public static byte[] BigEndian32(int value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, value);
        return b;
    }

    public static byte[] BigEndian64(long value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        return b;
    }

    public static byte[] String16(string? value)
    {
        if (value is null)
        {
            return BigEndian16(-1);
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        return [.. BigEndian16((short)bytes.Length), .. bytes];
    }

    /// <summary>Produce v3 body: one topic, one partition, the given record batch bytes.</summary>
    public static byte[] ProduceBody(string topic, int partition, byte[] batch, short acks = -1) =>
    [
        .. String16(null), .. BigEndian16(acks), .. BigEndian32(10_000),
        .. BigEndian32(1), .. String16(topic),
        .. BigEndian32(1), .. BigEndian32(partition), .. BigEndian32(batch.Length), .. batch,
    ];

    /// <summary>Reads a Produce v3 response: (error code, base offset) of the only partition.</summary>
    public static (short Error, long BaseOffset) ParseProduceResponse(byte[] body)
    {
        var topicNameLength = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(4));
        var at = 4 + 2 + topicNameLength + 4 + 4;
        return (BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at)), BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(at + 2)));
    }

    /// <summary>
    /// A record batch (magic 2, CRC-32C) of <paramref name="values"/>.Length records; producer fields set for
    /// idempotence tests (-1 = not idempotent).
    /// </summary>
    public static byte[] RecordBatch(
        string[] values, long producerId = -1, short producerEpoch = -1, int baseSequence = -1, long timestamp = 1_700_000_000_000)
    {
        var records = new List<byte>();
        for (var i = 0; i < values.Length; i++)
        {
            var value = Encoding.UTF8.GetBytes(values[i]);
            var record = new List<byte> { 0 };
            Varint(record, 0);
            Varint(record, i);
            Varint(record, -1);
            Varint(record, value.Length);
            record.AddRange(value);
            Varint(record, 0);
            Varint(records, record.Count);
            records.AddRange(record);
        }

        var batch = new byte[61 + records.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        batch[16] = 2;
        BinaryPrimitives.WriteInt32BigEndian(span[23..], values.Length - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], values.Length);
        records.CopyTo(batch, 61);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], Crc32C(span[21..]));
        return batch;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static void Varint(List<byte> output, long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }

        output.Add((byte)v);
    }
}
