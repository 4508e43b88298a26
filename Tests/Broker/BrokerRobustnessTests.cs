using Confluent.Kafka;
using static AspirePipeline.Tests.Broker.KafkaTestClients;
using static AspirePipeline.Tests.Broker.RawKafkaConnection;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// Garbage on the wire costs only the connection that sent it: the broker process stays up, closes the bad connection,
/// logs what was wrong, and keeps serving everyone else.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerRobustnessTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(5);
    private readonly string _bootstrap = fixture.BootstrapServers;

    public static TheoryData<string, byte[]> BadFrames => new()
    {
        { "negative size", BigEndian32(-5) },
        { "size beyond the limit, body never sent", BigEndian32(1_000_000_000) },
        { "size smaller than any header", [.. BigEndian32(3), 0, 3, 0] },
        { "client id longer than the frame", Frame([.. BigEndian16(3), .. BigEndian16(1), .. BigEndian32(1), .. BigEndian16(30_000), 65, 66]) },
        { "unknown API key", Frame([.. BigEndian16(999), .. BigEndian16(0), .. BigEndian32(1), .. String16("raw-fuzz")]) },
        { "unsupported Produce version", Frame([.. BigEndian16(0), .. BigEndian16(2), .. BigEndian32(1), .. String16("raw-fuzz"), .. new byte[16]]) },
        { "unsupported Fetch version", Frame([.. BigEndian16(1), .. BigEndian16(12), .. BigEndian32(1), .. String16("raw-fuzz"), .. new byte[16]]) },
        { "absurd Metadata topic count", Frame([.. Header(3, 1), .. BigEndian32(int.MaxValue)]) },
        { "absurd Produce topic count", Frame([.. Header(0, 3), .. String16(null), .. BigEndian16(1), .. BigEndian32(100),
            .. BigEndian32(0x7FFFFFF0)]) },
        { "Produce records length beyond the frame", Frame([.. Header(0, 7), .. String16(null), .. BigEndian16(1), .. BigEndian32(100),
            .. BigEndian32(1), .. String16("t"), .. BigEndian32(1), .. BigEndian32(0), .. BigEndian32(50_000), 1, 2, 3]) },
        { "truncated Fetch body", Frame([.. Header(1, 11), .. BigEndian32(-1), .. BigEndian32(100)]) },
        { "negative array count", Frame([.. Header(19, 0), .. BigEndian32(-7)]) },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Bad_frame_closes_only_its_connection(string description, byte[] frame)
    {
        await using var bystander = await ConnectAsync(_bootstrap);
        await using var attacker = await ConnectAsync(_bootstrap);
        await attacker.SendRawAsync(frame);
        Assert.True(await attacker.WaitForCloseAsync(CloseDeadline), $"the broker kept the connection open after: {description}");
        await AssertServesAsync(bystander);
        Assert.False(fixture.Broker.HasExited, fixture.Broker.Output);
    }

    [Fact]
    public async Task Malformed_request_is_logged_with_client_endpoint_and_api()
    {
        await using var attacker = await ConnectAsync(_bootstrap);
        await attacker.SendRawAsync(Frame([.. Header(3, 1, "fuzz-logged"), .. BigEndian32(int.MaxValue)]));
        Assert.True(await attacker.WaitForCloseAsync(CloseDeadline));
        var line = await fixture.Broker.WaitForOutputAsync(l => l.Contains("fuzz-logged", StringComparison.Ordinal), CloseDeadline);
        Assert.Contains("malformed Metadata v1 request", line);
        Assert.Contains("127.0.0.1", line);
    }

    [Fact]
    public async Task Random_and_truncated_garbage_from_many_connections_leaves_the_broker_serving_clients()
    {
        var random = new Random(20261124);
        var garbage = new List<Task>();
        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[random.Next(1, 3000)];
            random.NextBytes(bytes);
            if (i % 4 == 0)
            {
                // A plausible small size prefix followed by too few bytes, then the sender goes away.
                BitConverter.TryWriteBytes(bytes.AsSpan(0, Math.Min(4, bytes.Length)), 0);
                if (bytes.Length >= 4)
                {
                    bytes[3] = 200;
                    bytes[2] = 0;
                }
            }

            garbage.Add(SendAndHangUpAsync(bytes));
        }

        await Task.WhenAll(garbage).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(fixture.Broker.HasExited, fixture.Broker.Output);

        var topic = UniqueTopic("after-fuzz");
        using (var producer = new ProducerBuilder<string, string>(KafkaTestClients.Producer(_bootstrap)).Build())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "still alive" });
        }

        using var consumer = new ConsumerBuilder<string, string>(KafkaTestClients.Consumer(_bootstrap)).Build();
        consumer.Assign([.. Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning))]);
        Assert.Equal("still alive", Assert.Single(ConsumeExactly(consumer, 1)).Message.Value);
    }

    private async Task SendAndHangUpAsync(byte[] bytes)
    {
        await using var connection = await ConnectAsync(_bootstrap);
        try
        {
            await connection.SendRawAsync(bytes);
            connection.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await connection.WaitForCloseAsync(CloseDeadline);
        }
        catch (IOException)
        {
            // The broker may close first (it saw garbage): that is the expected outcome.
        }
    }

    private static async Task AssertServesAsync(RawKafkaConnection connection)
    {
        await connection.SendAsync(18, 2, []);
        var (_, body) = await connection.ReceiveAsync();
        Assert.Equal(0, System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(body));
    }

    private static byte[] Header(short apiKey, short apiVersion, string clientId = "raw-fuzz") =>
        [.. BigEndian16(apiKey), .. BigEndian16(apiVersion), .. BigEndian32(1), .. String16(clientId)];

    private static byte[] Frame(byte[] content) => [.. BigEndian32(content.Length), .. content];
}
