using System.Text;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using static AspirePipeline.Tests.Broker.KafkaTestClients;

namespace AspirePipeline.Tests.Broker;

/// <summary>Confluent.Kafka (librdkafka) against the real broker process over TCP.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerClientTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public async Task Produce_and_consume_round_trip_keys_values_headers_and_timestamps()
    {
        var topic = UniqueTopic("roundtrip");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        var baseTime = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<string, string>(KafkaTestClients.Producer(_bootstrap)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                var headers = new Headers { { "index", Encoding.UTF8.GetBytes(i.ToString()) }, { "kind", "test"u8.ToArray() } };
                var report = await producer.ProduceAsync(topic, new Message<string, string>
                {
                    Key = $"key-{i}",
                    Value = $"value-{i}",
                    Headers = headers,
                    Timestamp = new Timestamp(baseTime + i, TimestampType.CreateTime),
                });
                Assert.Equal(PersistenceStatus.Persisted, report.Status);
                Assert.Equal(i, report.Offset.Value);
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(KafkaTestClients.Consumer(_bootstrap)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var messages = ConsumeExactly(consumer, 10);
        for (var i = 0; i < 10; i++)
        {
            var m = messages[i];
            Assert.Equal(i, m.Offset.Value);
            Assert.Equal($"key-{i}", m.Message.Key);
            Assert.Equal($"value-{i}", m.Message.Value);
            Assert.Equal(baseTime + i, m.Message.Timestamp.UnixTimestampMs);
            Assert.Equal(i.ToString(), Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("index")));
            Assert.Equal("test", Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("kind")));
        }
    }

    [Theory]
    [InlineData(Acks.None)]
    [InlineData(Acks.Leader)]
    [InlineData(Acks.All)]
    public async Task Every_acks_level_delivers_all_messages_in_order(Acks acks)
    {
        var topic = UniqueTopic($"acks{(int)acks}");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        using (var producer = new ProducerBuilder<Null, string>(KafkaTestClients.Producer(_bootstrap, acks)).Build())
        {
            for (var i = 0; i < 50; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = $"m{i}" }, r => Assert.False(r.Error.IsError, r.Error.Reason));
            }

            Assert.Equal(0, producer.Flush(Deadline));
        }

        using var consumer = new ConsumerBuilder<Null, string>(KafkaTestClients.Consumer(_bootstrap)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = ConsumeExactly(consumer, 50).Select(m => m.Message.Value);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"), values);
    }

    [Fact]
    public async Task Admin_creates_describes_and_deletes_topics()
    {
        var topic = UniqueTopic("admin");
        using var admin = Admin(_bootstrap);
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 4,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["retention.ms"] = "3600000" },
        }]);

        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var described = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, described.Error.Code);
        Assert.Equal(4, described.Partitions.Count);
        Assert.All(described.Partitions, p => Assert.Equal(1, p.Leader));
        Assert.Equal(1, Assert.Single(metadata.Brokers).BrokerId);

        var again = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, Assert.Single(again.Results).Error.Code);

        var replicated = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = UniqueTopic("rf3"), NumPartitions = 1, ReplicationFactor = 3 }]));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, Assert.Single(replicated.Results).Error.Code);

        var configs = await admin.DescribeConfigsAsync(
        [
            new ConfigResource { Type = ResourceType.Topic, Name = topic },
            new ConfigResource { Type = ResourceType.Broker, Name = "1" },
        ]);
        var topicConfig = configs.Single(c => c.ConfigResource.Type == ResourceType.Topic).Entries;
        Assert.Equal("3600000", topicConfig["retention.ms"].Value);
        Assert.False(topicConfig["retention.ms"].IsDefault);
        Assert.Equal("delete", topicConfig["cleanup.policy"].Value);
        var brokerConfig = configs.Single(c => c.ConfigResource.Type == ResourceType.Broker).Entries;
        Assert.Equal("1048588", brokerConfig["message.max.bytes"].Value);

        await admin.DeleteTopicsAsync([topic]);
        var after = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(after.Topics, t => t.Topic == topic);
        var deleteAgain = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([topic]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, Assert.Single(deleteAgain.Results).Error.Code);
    }

    [Fact]
    public async Task Idempotent_producer_delivers_in_order_without_duplicates()
    {
        var topic = UniqueTopic("idempotent");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        var config = KafkaTestClients.Producer(_bootstrap);
        config.EnableIdempotence = true;
        config.LingerMs = 1;
        config.BatchNumMessages = 7;
        using (var producer = new ProducerBuilder<Null, string>(config).Build())
        {
            for (var i = 0; i < 500; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = i.ToString() }, r => Assert.False(r.Error.IsError, r.Error.Reason));
            }

            Assert.Equal(0, producer.Flush(Deadline));
        }

        using var consumer = new ConsumerBuilder<Null, string>(KafkaTestClients.Consumer(_bootstrap)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = ConsumeExactly(consumer, 500).Select(m => int.Parse(m.Message.Value));
        Assert.Equal(Enumerable.Range(0, 500), values);
        Assert.Equal(500, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(5)).High.Value);
    }

    [Fact]
    public async Task Oversize_message_gets_message_too_large_with_default_broker_limit()
    {
        var topic = UniqueTopic("toolarge");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        var config = KafkaTestClients.Producer(_bootstrap);
        config.MessageMaxBytes = 3_000_000;
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var oversize = new byte[1_500_000];
        Random.Shared.NextBytes(oversize);
        var error = await Assert.ThrowsAsync<ProduceException<Null, byte[]>>(() =>
            producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = oversize }));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, error.Error.Code);

        // The connection and broker carry on: a normal message right after goes through.
        var ok = await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = [1, 2, 3] });
        Assert.Equal(0, ok.Offset.Value);
    }

    [Fact]
    public async Task List_offsets_earliest_latest_and_by_timestamp()
    {
        var topic = UniqueTopic("offsets");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        var t0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<Null, string>(KafkaTestClients.Producer(_bootstrap)).Build())
        {
            // Awaited one by one so each message is its own batch with its own timestamp.
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string>
                {
                    Value = $"at {i}",
                    Timestamp = new Timestamp(t0 + (i * 1000), TimestampType.CreateTime),
                });
            }
        }

        using var consumer = new ConsumerBuilder<Null, string>(KafkaTestClients.Consumer(_bootstrap)).Build();
        var partition = new TopicPartition(topic, 0);
        var watermarks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        Assert.Equal(0, watermarks.Low.Value);
        Assert.Equal(3, watermarks.High.Value);

        var found = consumer.OffsetsForTimes(
            [new TopicPartitionTimestamp(partition, new Timestamp(t0 + 500, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));
        Assert.Equal(1, Assert.Single(found).Offset.Value);

        var exact = consumer.OffsetsForTimes(
            [new TopicPartitionTimestamp(partition, new Timestamp(t0 + 2000, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));
        Assert.Equal(2, Assert.Single(exact).Offset.Value);

        var future = consumer.OffsetsForTimes(
            [new TopicPartitionTimestamp(partition, new Timestamp(t0 + 60_000, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));
        Assert.Equal(Offset.End, Assert.Single(future).Offset);
    }

    [Fact]
    public async Task Producing_to_an_unknown_topic_auto_creates_it_with_default_partitions()
    {
        var topic = UniqueTopic("auto");
        using var producer = new ProducerBuilder<Null, string>(KafkaTestClients.Producer(_bootstrap)).Build();
        var report = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "first" });
        Assert.Equal(PersistenceStatus.Persisted, report.Status);
        using var admin = Admin(_bootstrap);
        Assert.Equal(3, Assert.Single(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics).Partitions.Count);
    }
}
