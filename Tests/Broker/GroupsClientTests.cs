using System.Text.Json;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using static AspirePipeline.Tests.Broker.KafkaTestClients;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// Confluent.Kafka consumer groups (subscribe, rebalance, commit) against the real broker process over TCP.
/// Short heartbeats so a rebalance is noticed within a second instead of librdkafka's default 3 s.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class GroupsClientTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    private ConsumerConfig GroupConsumer(string groupId, string clientId) => new()
    {
        BootstrapServers = _bootstrap,
        GroupId = groupId,
        ClientId = clientId,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 300,
        FetchWaitMaxMs = 100,
        TopicMetadataRefreshIntervalMs = 1_000,
    };

    private List<string> Produce(string topic, string prefix, int count)
    {
        using var producer = new ProducerBuilder<string, string>(KafkaTestClients.Producer(_bootstrap)).Build();
        var values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList();
        foreach (var value in values)
        {
            // Keys spread the messages over every partition.
            producer.Produce(topic, new Message<string, string> { Key = value, Value = value });
        }

        Assert.Equal(0, producer.Flush(Deadline));
        return values;
    }

    /// <summary>
    /// One test-thread loop polling every consumer in turn (librdkafka serves rebalance callbacks inside Consume),
    /// committing each message after it is recorded, until <paramref name="done"/> or the deadline.
    /// </summary>
    private static void PollUntil(
        Func<bool> done, string what, params (IConsumer<string, string> Consumer, List<ConsumeResult<string, string>> Received)[] members)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until,
                $"timed out waiting for {what}; received {string.Join(", ", members.Select(m => m.Received.Count))}");
            foreach (var (consumer, received) in members)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is { IsPartitionEOF: false })
                {
                    received.Add(result);
                    consumer.Commit(result);
                }
            }
        }
    }

    [Fact]
    public async Task Two_consumer_groups_each_receive_every_message()
    {
        var topic = UniqueTopic("two-groups");
        await CreateTopicAsync(_bootstrap, topic, partitions: 3);
        var sent = Produce(topic, "m", 30);

        using var first = new ConsumerBuilder<string, string>(GroupConsumer(UniqueTopic("group-a"), "first")).Build();
        using var second = new ConsumerBuilder<string, string>(GroupConsumer(UniqueTopic("group-b"), "second")).Build();
        first.Subscribe(topic);
        second.Subscribe(topic);
        List<ConsumeResult<string, string>> firstReceived = [], secondReceived = [];
        PollUntil(() => firstReceived.Count >= 30 && secondReceived.Count >= 30, "both groups to get 30 messages",
            (first, firstReceived), (second, secondReceived));

        Assert.Equal(sent.Order(), firstReceived.Select(r => r.Message.Value).Order());
        Assert.Equal(sent.Order(), secondReceived.Select(r => r.Message.Value).Order());
        first.Close();
        second.Close();
    }

    [Fact]
    public async Task Two_members_split_the_partitions_and_the_survivor_takes_over_from_the_committed_offsets()
    {
        var topic = UniqueTopic("split");
        var groupId = UniqueTopic("split-group");
        await CreateTopicAsync(_bootstrap, topic, partitions: 3);

        using var a = new ConsumerBuilder<string, string>(GroupConsumer(groupId, "member-a")).Build();
        using var b = new ConsumerBuilder<string, string>(GroupConsumer(groupId, "member-b")).Build();
        a.Subscribe(topic);
        b.Subscribe(topic);
        List<ConsumeResult<string, string>> aReceived = [], bReceived = [];
        PollUntil(() => a.Assignment.Count > 0 && b.Assignment.Count > 0 && a.Assignment.Count + b.Assignment.Count == 3,
            "both members to hold partitions", (a, aReceived), (b, bReceived));
        Assert.Empty(a.Assignment.Intersect(b.Assignment));
        Assert.Equal([0, 1, 2], a.Assignment.Concat(b.Assignment).Select(tp => tp.Partition.Value).Order());

        var firstBatch = Produce(topic, "first", 30);
        PollUntil(() => aReceived.Count + bReceived.Count >= 30, "the first 30 messages", (a, aReceived), (b, bReceived));
        Assert.NotEmpty(aReceived);
        Assert.NotEmpty(bReceived);
        Assert.Equal(firstBatch.Order(), aReceived.Concat(bReceived).Select(r => r.Message.Value).Order());
        Assert.All(aReceived, r => Assert.Contains(r.TopicPartition, a.Assignment));

        // B leaves (LeaveGroup); A must end up with every partition and start where B committed.
        b.Close();
        var bPartitions = bReceived.Select(r => r.TopicPartition).Distinct().ToList();
        var secondBatch = Produce(topic, "second", 30);
        var aBefore = aReceived.Count;
        PollUntil(() => a.Assignment.Count == 3 && aReceived.Count - aBefore >= 30, "A to take over and get the next 30",
            (a, aReceived));
        Assert.Equal(secondBatch.Order(), aReceived.Skip(aBefore).Select(r => r.Message.Value).Order());
        Assert.Contains(aReceived.Skip(aBefore), r => bPartitions.Contains(r.TopicPartition));

        // Nothing more arrives: in particular none of B's already-committed messages again.
        var extra = a.Consume(TimeSpan.FromMilliseconds(500));
        Assert.True(extra is null || extra.IsPartitionEOF, $"unexpected redelivery of {extra?.Message.Value}");
        a.Close();
    }

    [Fact]
    public async Task A_restarted_consumer_resumes_after_its_last_commit_redelivering_only_the_uncommitted_tail()
    {
        var topic = UniqueTopic("resume");
        var groupId = UniqueTopic("resume-group");
        await CreateTopicAsync(_bootstrap, topic, partitions: 1);
        var sent = Produce(topic, "r", 20);

        var config = GroupConsumer(groupId, "resumer");
        using (var first = new ConsumerBuilder<string, string>(config).Build())
        {
            first.Subscribe(topic);
            var got = ConsumeExactly(first, 20);
            Assert.Equal(sent, got.Select(r => r.Message.Value));
            first.Commit([new TopicPartitionOffset(got[14].TopicPartition, got[14].Offset + 1)]);
            first.Close();
        }

        var more = Produce(topic, "later", 5);
        using var second = new ConsumerBuilder<string, string>(config).Build();
        second.Subscribe(topic);
        var resumed = ConsumeExactly(second, 10);
        Assert.Equal(sent.Skip(15).Concat(more), resumed.Select(r => r.Message.Value));
        Assert.Equal(15, resumed[0].Offset.Value);

        var committed = second.Committed([new TopicPartition(topic, 0)], Deadline);
        Assert.Equal(15, committed.Single().Offset.Value);
        second.Close();
    }

    [Fact]
    public async Task Admin_lists_and_describes_groups_with_members_and_assignments_then_deletes_them()
    {
        var topic = UniqueTopic("admin-groups");
        var groupId = UniqueTopic("admin-group");
        await CreateTopicAsync(_bootstrap, topic, partitions: 3);
        Produce(topic, "a", 3);

        using var consumer = new ConsumerBuilder<string, string>(GroupConsumer(groupId, "described-client")).Build();
        consumer.Subscribe(topic);
        List<ConsumeResult<string, string>> received = [];
        PollUntil(() => received.Count >= 3, "3 messages", (consumer, received));

        using var admin = Admin(_bootstrap);
        var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = Deadline });
        // ListGroups v0-2 carries no state (v4 added it), so the state is checked through DescribeGroups.
        var listing = Assert.Single(listed.Valid, g => g.GroupId == groupId);
        Assert.False(listing.IsSimpleConsumerGroup);

        var described = Assert.Single((await admin.DescribeConsumerGroupsAsync([groupId],
            new DescribeConsumerGroupsOptions { RequestTimeout = Deadline })).ConsumerGroupDescriptions);
        Assert.Equal(ConsumerGroupState.Stable, described.State);
        Assert.Equal("range", described.PartitionAssignor);
        var member = Assert.Single(described.Members);
        Assert.Equal("described-client", member.ClientId);
        Assert.Equal("/127.0.0.1", member.Host);
        Assert.Equal([0, 1, 2], member.Assignment.TopicPartitions.Select(tp => tp.Partition.Value).Order());

        var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(groupId, null)]);
        Assert.Equal(3, Assert.Single(offsets).Partitions.Where(p => p.Offset.Value >= 0).Sum(p => p.Offset.Value));

        var nonEmpty = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([groupId]));
        Assert.Equal(ErrorCode.NonEmptyGroup, nonEmpty.Results.Single().Error.Code);

        consumer.Close();
        await admin.DeleteGroupsAsync([groupId]);
        var afterDelete = await admin.ListConsumerGroupsAsync();
        Assert.DoesNotContain(afterDelete.Valid, g => g.GroupId == groupId);
    }

    [Fact]
    public async Task Committed_offsets_survive_a_broker_crash_and_the_group_resumes_from_them()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topic = UniqueTopic("durable-commit");
        var groupId = UniqueTopic("durable-group");
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
        using (var producer = new ProducerBuilder<Null, string>(KafkaTestClients.Producer(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = $"d{i}" });
            }

            Assert.Equal(0, producer.Flush(Deadline));
        }

        var config = GroupConsumer(groupId, "durable");
        config.BootstrapServers = broker.BootstrapServers;
        using (var consumer = new ConsumerBuilder<Null, string>(config).Build())
        {
            consumer.Subscribe(topic);
            var got = ConsumeExactly(consumer, 10);
            consumer.Commit([new TopicPartitionOffset(topic, 0, got[5].Offset + 1)]);
            consumer.Close();
        }

        await broker.RestartAsync();

        using var resumed = new ConsumerBuilder<Null, string>(config).Build();
        resumed.Subscribe(topic);
        var rest = ConsumeExactly(resumed, 4);
        Assert.Equal(["d6", "d7", "d8", "d9"], rest.Select(r => r.Message.Value));
        resumed.Close();
    }

    [Fact]
    public async Task Kafka_python_commits_with_metadata_and_reads_it_back_from_a_new_consumer()
    {
        const string script = """
            import json, sys, time
            from kafka import KafkaConsumer, KafkaProducer, TopicPartition
            from kafka.structs import OffsetAndMetadata
            bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
            # A fixed api_version skips kafka-python's probe (which pipelines Metadata v0 behind ApiVersions v0).
            common = dict(bootstrap_servers=bootstrap, api_version=(2, 0, 0))
            producer = KafkaProducer(**common)
            for i in range(10):
                producer.send(topic, value=b"v%d" % i, partition=0)
            producer.flush(10)
            producer.close()
            consumer = KafkaConsumer(topic, group_id=group, enable_auto_commit=False, **common,
                                     auto_offset_reset="earliest", session_timeout_ms=6000, heartbeat_interval_ms=500)
            received = []
            deadline = time.time() + 20
            while len(received) < 10 and time.time() < deadline:
                for records in consumer.poll(timeout_ms=200).values():
                    received.extend(r.value.decode() for r in records)
            tp = TopicPartition(topic, 0)
            consumer.commit({tp: OffsetAndMetadata(7, "frame 7 processed")})
            consumer.close()
            again = KafkaConsumer(group_id=group, enable_auto_commit=False, **common)
            committed = again.committed(tp, metadata=True)
            again.close()
            print(json.dumps({"received": received, "offset": committed.offset, "metadata": committed.metadata}))
            """;
        var topic = UniqueTopic("python-meta");
        var python = await ChildProcess.RunAsync("/usr/bin/python3", ["-c", script, _bootstrap, topic, UniqueTopic("python-group")],
            TimeSpan.FromSeconds(45));
        Assert.True(python.ExitCode == 0, $"kafka-python failed (install it with scripts/prerequisites.sh --tests): {python.StandardError}");
        using var result = JsonDocument.Parse(python.StandardOutput);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i}"),
            result.RootElement.GetProperty("received").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(7, result.RootElement.GetProperty("offset").GetInt64());
        Assert.Equal("frame 7 processed", result.RootElement.GetProperty("metadata").GetString());
    }
}
