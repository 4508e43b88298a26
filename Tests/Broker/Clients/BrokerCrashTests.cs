using System.Collections.Concurrent;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;

namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>
/// kill -9 of the broker process in the middle of an acks=all stream, then a restart on the same data directory:
/// every message the producer was told is stored must be readable at its offset, and committed group offsets must stay.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerCrashTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Value(int index) => $"stream-value-{index}-".PadRight(10_000, (char)('a' + index % 26));

    [Fact]
    public async Task Acknowledged_messages_and_committed_offsets_survive_a_kill_9_and_restart()
    {
        const string topic = "crash";
        const string group = "crash-group";
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        await DotnetKafka.CreateTopicAsync(broker.BootstrapServers, topic, partitions: 3);

        // A group commits its position first, so the restart must bring back offsets as well as data.
        await DotnetKafka.ProduceAsync(broker.BootstrapServers, topic, "pre", count: 30);
        var committed = ConsumeAndCommit(broker.BootstrapServers, topic, group, count: 30);

        var acked = new ConcurrentDictionary<int, TopicPartitionOffset>();
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            Acks = Acks.All,
            LingerMs = 2,
            MessageTimeoutMs = 3000,
            RetryBackoffMs = 100,
        }).Build())
        {
            using var stop = new CancellationTokenSource();
            var streaming = Task.Run(() =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var index = i;
                    try
                    {
                        producer.Produce(topic, new Message<Null, string> { Value = Value(index) }, report =>
                        {
                            if (report.Error.Code == ErrorCode.NoError)
                            {
                                acked[index] = report.TopicPartitionOffset;
                            }
                        });
                    }
                    catch (ProduceException<Null, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }
            });

            var until = DateTime.UtcNow + Deadline;
            while (acked.Count < 300)
            {
                Assert.True(DateTime.UtcNow < until, $"only {acked.Count} messages acknowledged within {Deadline}.\n{broker.Output}");
                producer.Poll(TimeSpan.FromMilliseconds(20));
            }

            // Mid-stream: the producer keeps sending while the broker dies.
            broker.Kill();
            await stop.CancelAsync();
            await streaming.WaitAsync(Deadline);
            // Undelivered messages fail after message.timeout.ms; afterwards every report is in and the set is final.
            producer.Flush(TimeSpan.FromSeconds(15));
        }

        Assert.True(acked.Count >= 300);
        await broker.RestartAsync();

        var highWatermarks = DotnetKafka.HighWatermarks(broker.BootstrapServers, topic);
        var stored = ReadEverything(broker.BootstrapServers, topic, highWatermarks);
        foreach (var (index, position) in acked)
        {
            Assert.True(stored.TryGetValue((position.Partition.Value, position.Offset.Value), out var value),
                $"message {index}, acknowledged at {position}, is missing after the restart");
            Assert.Equal(Value(index), value);
        }

        Assert.Equal(committed.OrderBy(c => c.Key), (await DotnetKafka.CommittedAsync(broker.BootstrapServers, group, topic)).OrderBy(c => c.Key));
    }

    private static Dictionary<int, long> ConsumeAndCommit(string bootstrap, string topic, string group, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var positions = new Dictionary<int, long>();
        var until = DateTime.UtcNow + Deadline;
        for (var received = 0; received < count;)
        {
            Assert.True(DateTime.UtcNow < until, $"group consumer received {received} of {count} within {Deadline}");
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result)
            {
                positions[result.Partition.Value] = result.Offset.Value + 1;
                received++;
            }
        }

        consumer.Commit(positions.Select(p => new TopicPartitionOffset(topic, p.Key, p.Value)));
        consumer.Close();
        return positions;
    }

    /// <summary>Every message of every partition up to its high watermark, by (partition, offset).</summary>
    private static Dictionary<(int, long), string> ReadEverything(string bootstrap, string topic, Dictionary<int, long> highWatermarks)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            FetchMaxBytes = 4 * 1024 * 1024,
        }).Build();
        consumer.Assign(highWatermarks.Select(w => new TopicPartitionOffset(topic, w.Key, Offset.Beginning)));
        var stored = new Dictionary<(int, long), string>();
        var expected = highWatermarks.Values.Sum();
        var until = DateTime.UtcNow + Deadline;
        while (stored.Count < expected)
        {
            Assert.True(DateTime.UtcNow < until, $"read {stored.Count} of {expected} stored messages within {Deadline}");
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result)
            {
                stored[(result.Partition.Value, result.Offset.Value)] = result.Message.Value;
            }
        }

        consumer.Close();
        return stored;
    }
}
