using System.Diagnostics;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using static AspirePipeline.Tests.Broker.KafkaTestClients;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// Retention in the real broker process with small limits: segments roll by size, the periodic check deletes the
/// oldest closed ones, the partition's bytes on disk stay under the bound, the log start offset moves (earliest
/// offset, out-of-range fetch), and a consumer at the tail reads every message.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class RetentionTests
{
    private const int SegmentBytes = 64 * 1024;
    private const int RetentionBytes = 256 * 1024;
    private const int MessageBytes = 8 * 1024;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Retention_bytes_deletes_old_segments_and_holds_the_bound_while_a_tail_consumer_reads_everything()
    {
        await using var broker = await StartBrokerCheckingRetentionOftenAsync();
        var topic = UniqueTopic("retained");
        using var admin = Admin(broker.BootstrapServers);
        await CreateTopicAsync(admin, topic, ("retention.bytes", RetentionBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        using var consumer = new ConsumerBuilder<Null, byte[]>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        using var producer = new ProducerBuilder<Null, byte[]>(KafkaTestClients.Producer(broker.BootstrapServers)).Build();

        // 2 MiB in 32 KiB steps, eight times the limit; the consumer keeps up with each step (it is at the tail).
        const int Messages = 256;
        const int Step = 4;
        var received = new List<int>();
        for (var sent = 0; sent < Messages; sent += Step)
        {
            for (var i = sent; i < sent + Step; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = Payload(i) });
            }

            foreach (var result in ConsumeExactly(consumer, Step, Deadline))
            {
                received.Add(BitConverter.ToInt32(result.Message.Value));
            }
        }

        Assert.Equal(Enumerable.Range(0, Messages), received);

        // The check runs every 200 ms: wait for it to bring the partition under the bound, then hold there.
        const long Bound = RetentionBytes + SegmentBytes;
        await Poll.UntilAsync(() => PartitionBytes(broker, topic) <= Bound, Deadline,
            () => $"the partition holds {PartitionBytes(broker, topic)} bytes on disk, bound {Bound}\n{broker.Output}");
        var segments = Directory.GetFiles(PartitionDirectory(broker, topic), "*.log");
        Assert.True(segments.Length >= 4, $"expected several segments of {SegmentBytes} bytes, found {segments.Length}");

        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(Messages, watermarks.High.Value);
        Assert.True(watermarks.Low.Value > 0, "the log start offset did not move");
        Assert.True(watermarks.High.Value - watermarks.Low.Value >= RetentionBytes / (MessageBytes + 100),
            $"retention kept only [{watermarks.Low}, {watermarks.High}), less than retention.bytes");
        Assert.Contains(broker.Output.Split('\n'), line => line.Contains($"Retention moved the start of {topic}-0", StringComparison.Ordinal));

        // Fetching a deleted offset is OFFSET_OUT_OF_RANGE, which a consumer without a reset policy reports.
        var strictConfig = KafkaTestClients.Consumer(broker.BootstrapServers);
        strictConfig.AutoOffsetReset = AutoOffsetReset.Error;
        using var strict = new ConsumerBuilder<Null, byte[]>(strictConfig).Build();
        strict.Assign(new TopicPartitionOffset(topic, 0, 0));
        var outOfRange = Assert.Throws<ConsumeException>(() =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Deadline)
            {
                strict.Consume(TimeSpan.FromMilliseconds(200));
            }
        });
        Assert.Equal(ErrorCode.Local_AutoOffsetReset, outOfRange.Error.Code);
        Assert.Contains("out of range", outOfRange.Error.Reason, StringComparison.OrdinalIgnoreCase);

        // Everything still held reads back, contiguous, from the start (which the check may have moved once more
        // since the watermarks were read: it deletes a segment file at a time) to the end.
        using var fromStart = new ConsumerBuilder<Null, byte[]>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        fromStart.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var kept = new List<ConsumeResult<Null, byte[]>>();
        var reading = Stopwatch.StartNew();
        while ((kept.Count == 0 || kept[^1].Offset.Value < Messages - 1) && reading.Elapsed < Deadline)
        {
            if (fromStart.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                kept.Add(result);
            }
        }

        Assert.True(kept.Count > 0 && kept[^1].Offset.Value == Messages - 1, $"read {kept.Count} messages, not up to the end");
        Assert.True(kept[0].Offset.Value >= watermarks.Low.Value, $"read offset {kept[0].Offset.Value} below the log start {watermarks.Low}");
        Assert.Equal(Enumerable.Range((int)kept[0].Offset.Value, kept.Count), kept.Select(r => BitConverter.ToInt32(r.Message.Value)));
    }

    [Fact]
    public async Task Retention_ms_deletes_segments_whose_newest_record_is_older_than_the_limit()
    {
        await using var broker = await StartBrokerCheckingRetentionOftenAsync();
        var topic = UniqueTopic("aged");
        using var admin = Admin(broker.BootstrapServers);
        await CreateTopicAsync(admin, topic, ("retention.ms", "3600000"));

        // 32 records stamped two hours ago (four closed segments), then 8 of now.
        var old = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<Null, byte[]>(KafkaTestClients.Producer(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 40; i++)
            {
                var timestamp = i < 32 ? new Timestamp(old + i, TimestampType.CreateTime) : Timestamp.Default;
                await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = Payload(i), Timestamp = timestamp });
            }
        }

        using var consumer = new ConsumerBuilder<Null, byte[]>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        var partition = new TopicPartition(topic, 0);
        await Poll.UntilAsync(() => consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).Low.Value >= 24, Deadline,
            () => $"earliest offset is {consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).Low}\n{broker.Output}");
        var low = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).Low.Value;
        Assert.True(low <= 32, $"retention.ms deleted records of now: earliest offset {low}");

        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var kept = ConsumeExactly(consumer, (int)(40 - low), Deadline);
        Assert.Equal(Enumerable.Range((int)low, (int)(40 - low)), kept.Select(r => BitConverter.ToInt32(r.Message.Value)));
    }

    /// <summary>A message of <see cref="MessageBytes"/> bytes starting with its index.</summary>
    private static byte[] Payload(int index)
    {
        var payload = new byte[MessageBytes];
        BitConverter.TryWriteBytes(payload, index);
        return payload;
    }

    private static string PartitionDirectory(BrokerProcess broker, string topic) => Path.Combine(broker.DataDir!, $"{topic}-0");

    /// <summary>Bytes of every file in the partition's folder, as <c>du</c> would count them.</summary>
    private static long PartitionBytes(BrokerProcess broker, string topic) =>
        Directory.GetFiles(PartitionDirectory(broker, topic)).Sum(path => new FileInfo(path).Length);

    private static Task<BrokerProcess> StartBrokerCheckingRetentionOftenAsync() => BrokerProcess.StartAsync(new BrokerProcessOptions
    {
        InMemory = false,
        Environment = new Dictionary<string, string> { ["Broker__RetentionCheckIntervalMs"] = "200" },
    });

    /// <summary>One partition, small segments so retention has closed segments to delete, and the given limit.</summary>
    private static Task CreateTopicAsync(IAdminClient admin, string topic, (string Key, string Value) limit) =>
        admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string>
            {
                ["segment.bytes"] = SegmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [limit.Key] = limit.Value,
            },
        }]);
}
