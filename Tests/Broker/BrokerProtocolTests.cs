using System.Buffers.Binary;
using System.Net.Sockets;
using Confluent.Kafka;
using static AspirePipeline.Tests.Broker.KafkaTestClients;
using static AspirePipeline.Tests.Broker.RawKafkaConnection;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

/// <summary>Wire-level behaviour clients rely on, checked with hand-built frames against the real broker process.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerProtocolTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private const short Produce = 0;
    private const short Fetch = 1;
    private const short ApiVersions = 18;
    private const short InitProducerId = 22;
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public async Task ApiVersions_newer_than_supported_gets_v0_error_body_and_the_connection_stays_open()
    {
        await using var connection = await ConnectAsync(_bootstrap);
        // v3 uses request header v2: client id then an empty tagged-field section; the body is flexible (compact strings).
        byte[] frameBody = [.. BigEndian16(ApiVersions), .. BigEndian16(3), .. BigEndian32(77), .. String16("raw-v3"), 0, 1, 1, 0];
        await connection.SendRawAsync([.. BigEndian32(frameBody.Length), .. frameBody]);
        var (correlationId, body) = await connection.ReceiveAsync();
        Assert.Equal(77, correlationId);
        Assert.Equal(35, BinaryPrimitives.ReadInt16BigEndian(body));
        var ranges = ParseApiRanges(body.AsSpan(2));
        Assert.Equal((3, 8), ranges[0]);
        Assert.Equal((4, 11), ranges[1]);
        Assert.Equal((0, 2), ranges[18]);
        Assert.True(ranges.ContainsKey(11), "JoinGroup is advertised");
        Assert.False(ranges.ContainsKey(17), "SaslHandshake must not be advertised");

        await connection.SendAsync(ApiVersions, 2, []);
        var (_, v2) = await connection.ReceiveAsync();
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(v2));
        Assert.Equal(ranges.Count, ParseApiRanges(v2.AsSpan(2)).Count);
    }

    [Fact]
    public async Task Idempotent_retry_gets_its_original_offset_and_a_sequence_gap_is_refused()
    {
        var topic = UniqueTopic("dedup");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        await using var connection = await ConnectAsync(_bootstrap);
        await connection.SendAsync(InitProducerId, 0, [.. String16(null), .. BigEndian32(60_000)]);
        var (_, init) = await connection.ReceiveAsync();
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(init.AsSpan(4)));
        var producerId = BinaryPrimitives.ReadInt64BigEndian(init.AsSpan(6));

        async Task<(short Error, long BaseOffset)> ProduceAsync(byte[] batch)
        {
            await connection.SendAsync(Produce, 3, ProduceBody(topic, 0, batch));
            return ParseProduceResponse((await connection.ReceiveAsync()).Body);
        }

        var first = RecordBatch(["a", "b", "c"], producerId, 0, baseSequence: 0);
        Assert.Equal((0, 0L), await ProduceAsync(first));
        Assert.Equal((0, 0L), await ProduceAsync(first));
        Assert.Equal((0, 3L), await ProduceAsync(RecordBatch(["d"], producerId, 0, baseSequence: 3)));
        Assert.Equal(45, (await ProduceAsync(RecordBatch(["gap"], producerId, 0, baseSequence: 9))).Error);
        Assert.Equal((0, 4L), await ProduceAsync(RecordBatch(["e"], producerId, 0, baseSequence: 4)));

        using var consumer = new ConsumerBuilder<Ignore, string>(KafkaTestClients.Consumer(_bootstrap)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal(["a", "b", "c", "d", "e"], ConsumeExactly(consumer, 5).Select(m => m.Message.Value));
        Assert.Equal(5, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(5)).High.Value);
    }

    [Fact]
    public async Task Corrupted_batch_is_refused_with_corrupt_message_and_nothing_is_appended()
    {
        var topic = UniqueTopic("crc");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        await using var connection = await ConnectAsync(_bootstrap);
        var batch = RecordBatch(["payload"]);
        batch[^3] ^= 0x55;
        await connection.SendAsync(Produce, 3, ProduceBody(topic, 0, batch));
        Assert.Equal(2, ParseProduceResponse((await connection.ReceiveAsync()).Body).Error);

        var wrongMagic = RecordBatch(["payload"]);
        wrongMagic[16] = 1;
        await connection.SendAsync(Produce, 3, ProduceBody(topic, 0, wrongMagic));
        Assert.Equal(43, ParseProduceResponse((await connection.ReceiveAsync()).Body).Error);

        await connection.SendAsync(Produce, 3, ProduceBody(topic, 0, RecordBatch(["good"])));
        Assert.Equal((0, 0L), ParseProduceResponse((await connection.ReceiveAsync()).Body));
    }

    [Fact]
    public async Task Fetch_long_polls_until_data_arrives()
    {
        var topic = UniqueTopic("longpoll");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        await using var fetcher = await ConnectAsync(_bootstrap);
        await fetcher.SendAsync(Fetch, 4, FetchV4Body(topic, maxWaitMs: 30_000));

        // With MaxWaitMs 30 s and nothing to read, the broker must hold the request rather than answer empty.
        Assert.False(fetcher.Socket.Poll(TimeSpan.FromMilliseconds(700), SelectMode.SelectRead), "the fetch was answered before any data existed");

        using (var producer = new ProducerBuilder<Null, string>(KafkaTestClients.Producer(_bootstrap)).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "wake up" });
        }

        // Far below MaxWaitMs: the answer comes because data arrived, not because the wait ran out.
        var (_, body) = await fetcher.ReceiveAsync(TimeSpan.FromSeconds(5));
        var at = 4 + 4 + 2 + topic.Length + 4 + 4;
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at)));
        Assert.Equal(1, BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(at + 2)));
        var recordsLength = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(at + 2 + 8 + 8 + 4));
        Assert.True(recordsLength > 61, $"expected a record batch, got {recordsLength} bytes");
    }

    [Fact]
    public async Task Waiting_fetch_ends_with_unknown_topic_when_its_topic_is_deleted()
    {
        var topic = UniqueTopic("deleted-while-waiting");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        await using var fetcher = await ConnectAsync(_bootstrap);
        await fetcher.SendAsync(Fetch, 4, FetchV4Body(topic, maxWaitMs: 30_000));
        Assert.False(fetcher.Socket.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead), "the fetch was answered before anything happened");

        using (var admin = Admin(_bootstrap))
        {
            await admin.DeleteTopicsAsync([topic]);
        }

        var (_, body) = await fetcher.ReceiveAsync(TimeSpan.FromSeconds(5));
        var at = 4 + 4 + 2 + topic.Length + 4 + 4;
        Assert.Equal(3, BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(at)));
    }

    private static byte[] FetchV4Body(string topic, int maxWaitMs) =>
    [
        .. BigEndian32(-1), .. BigEndian32(maxWaitMs), .. BigEndian32(1), .. BigEndian32(10_000_000), 0,
        .. BigEndian32(1), .. String16(topic), .. BigEndian32(1), .. BigEndian32(0), .. BigEndian64(0), .. BigEndian32(1_000_000),
    ];

    [Fact]
    public async Task Metadata_v0_with_an_empty_list_describes_every_topic()
    {
        // kafka-python 2.0.2 probes the broker with exactly this request and gives up if the connection closes.
        var topic = UniqueTopic("meta0");
        await CreateTopicAsync(_bootstrap, topic, partitions: 2);
        await using var connection = await ConnectAsync(_bootstrap);
        await connection.SendAsync(3, 0, BigEndian32(0));
        var (_, body) = await connection.ReceiveAsync();
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(body));
        var hostLength = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(8));
        var portAt = 10 + hostLength;
        Assert.Equal(fixture.Broker.Port, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(portAt)));
        Assert.True(BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(portAt + 4)) >= 1);
        Assert.Contains(topic, System.Text.Encoding.UTF8.GetString(body));
    }

    private static Dictionary<int, (int Min, int Max)> ParseApiRanges(ReadOnlySpan<byte> span)
    {
        var count = BinaryPrimitives.ReadInt32BigEndian(span);
        var ranges = new Dictionary<int, (int, int)>();
        for (var i = 0; i < count; i++)
        {
            var entry = span.Slice(4 + (i * 6), 6);
            ranges[BinaryPrimitives.ReadInt16BigEndian(entry)] =
                (BinaryPrimitives.ReadInt16BigEndian(entry[2..]), BinaryPrimitives.ReadInt16BigEndian(entry[4..]));
        }

        return ranges;
    }
}
