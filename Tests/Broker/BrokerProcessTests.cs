using System.Net;
using System.Net.Sockets;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using static AspirePipeline.Tests.Broker.KafkaTestClients;

namespace AspirePipeline.Tests.Broker;

/// <summary>The broker executable itself: limits, durability across kill -9, command line and shutdown.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerProcessTests
{
    [Fact]
    public async Task Messages_over_one_mebibyte_flow_with_raised_limits()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { ExtraArgs = ["--message-max-bytes", "5000000"] });
        var topic = UniqueTopic("large");
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
        var payloads = new[] { 1_100_000, 2_500_000, 4_000_000 }.Select(size =>
        {
            var bytes = new byte[size];
            Random.Shared.NextBytes(bytes);
            return bytes;
        }).ToArray();

        var producerConfig = KafkaTestClients.Producer(broker.BootstrapServers);
        producerConfig.MessageMaxBytes = 5_000_000;
        using (var producer = new ProducerBuilder<Null, byte[]>(producerConfig).Build())
        {
            foreach (var payload in payloads)
            {
                await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = payload });
            }
        }

        var consumerConfig = KafkaTestClients.Consumer(broker.BootstrapServers);
        consumerConfig.MaxPartitionFetchBytes = 5_000_000;
        consumerConfig.FetchMaxBytes = 10_000_000;
        consumerConfig.ReceiveMessageMaxBytes = 20_000_000;
        using var consumer = new ConsumerBuilder<Null, byte[]>(consumerConfig).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var received = ConsumeExactly(consumer, payloads.Length);
        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.True(payloads[i].AsSpan().SequenceEqual(received[i].Message.Value), $"message {i} differs");
        }
    }

    [Fact]
    public async Task Acknowledged_messages_survive_kill_9_and_restart_on_the_same_data_dir()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topic = UniqueTopic("durable");
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 3);
        using (var producer = new ProducerBuilder<string, string>(KafkaTestClients.Producer(broker.BootstrapServers, Acks.All)).Build())
        {
            for (var i = 0; i < 300; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"k{i % 17}", Value = $"v{i}" },
                    r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
            }

            Assert.Equal(0, producer.Flush(Deadline));
        }

        var port = broker.Port;
        broker.Kill();
        await broker.RestartAsync();
        Assert.Equal(port, broker.Port);

        using var consumer = new ConsumerBuilder<string, string>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        consumer.Assign([.. Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning))]);
        var values = ConsumeExactly(consumer, 300).Select(m => m.Message.Value).ToHashSet();
        Assert.Equal(300, values.Count);
        Assert.All(Enumerable.Range(0, 300), i => Assert.Contains($"v{i}", values));
    }

    [Fact]
    public async Task Idempotent_retry_after_a_crash_is_still_recognised_as_a_duplicate()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topic = UniqueTopic("dedup-restart");
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
        const long producerId = 777_000_001;
        var first = RawKafkaConnection.RecordBatch(["a", "b", "c"], producerId, 0, baseSequence: 0);
        var second = RawKafkaConnection.RecordBatch(["d"], producerId, 0, baseSequence: 3);

        async Task<(short Error, long BaseOffset)> ProduceAsync(byte[] batch)
        {
            await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
            await connection.SendAsync(0, 3, RawKafkaConnection.ProduceBody(topic, 0, batch));
            return RawKafkaConnection.ParseProduceResponse((await connection.ReceiveAsync()).Body);
        }

        Assert.Equal((0, 0L), await ProduceAsync(first));
        Assert.Equal((0, 3L), await ProduceAsync(second));
        broker.Kill();
        await broker.RestartAsync();

        // The producer never saw the acknowledgements and retries both: same offsets, nothing appended twice.
        Assert.Equal((0, 0L), await ProduceAsync(first));
        Assert.Equal((0, 3L), await ProduceAsync(second));
        Assert.Equal((0, 4L), await ProduceAsync(RawKafkaConnection.RecordBatch(["e"], producerId, 0, baseSequence: 4)));
        using var consumer = new ConsumerBuilder<Null, string>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal(["a", "b", "c", "d", "e"], ConsumeExactly(consumer, 5).Select(m => m.Message.Value));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retention_by_bytes_drops_the_oldest_batches(bool inMemory)
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            InMemory = inMemory,
            ExtraArgs = ["--retention-bytes", "20000"],
            // The file store drops whole segments: small ones so a few hundred KB span many.
            Environment = new Dictionary<string, string>
            {
                ["Broker__RetentionCheckIntervalMs"] = "200",
                ["Broker__Storage__SegmentBytes"] = "16384",
            },
        });
        var topic = UniqueTopic("retention");
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
        var config = KafkaTestClients.Producer(broker.BootstrapServers);
        config.LingerMs = 0;
        using (var producer = new ProducerBuilder<Null, byte[]>(config).Build())
        {
            for (var i = 0; i < 40; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = new byte[5000] });
            }
        }

        await broker.WaitForOutputAsync(
            l => l.Contains($"Retention moved the start of {topic}-0", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        using var consumer = new ConsumerBuilder<Null, byte[]>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.InRange(watermarks.Low.Value, 1, 39);
        Assert.Equal(40, watermarks.High.Value);

        // A consumer starting from the beginning starts at the new log start and reads to the end.
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var first = ConsumeExactly(consumer, 1)[0];
        Assert.True(first.Offset.Value >= watermarks.Low.Value, $"read offset {first.Offset.Value} below log start {watermarks.Low.Value}");
    }

    [Fact]
    public async Task Clients_that_stall_are_cut_off_while_others_keep_being_served()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            Environment = new Dictionary<string, string> { ["Broker__ClientStallTimeoutMs"] = "1000" },
        });
        var topic = UniqueTopic("stall");
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
        using var producer = new ProducerBuilder<Null, byte[]>(KafkaTestClients.Producer(broker.BootstrapServers)).Build();
        for (var i = 0; i < 20; i++)
        {
            producer.Produce(topic, new Message<Null, byte[]> { Value = new byte[100_000] });
        }

        Assert.Equal(0, producer.Flush(Deadline));

        // Half a frame, then silence.
        await using var halfFrame = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
        await halfFrame.SendRawAsync([.. RawKafkaConnection.BigEndian32(1000), 0, 18, 0, 0]);

        // Many 2 MB fetches, none of whose responses is ever read.
        await using var deaf = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
        deaf.Socket.ReceiveBufferSize = 4096;
        byte[] fetch =
        [
            .. RawKafkaConnection.BigEndian32(-1), .. RawKafkaConnection.BigEndian32(0), .. RawKafkaConnection.BigEndian32(1),
            .. RawKafkaConnection.BigEndian32(50_000_000), 0, .. RawKafkaConnection.BigEndian32(1), .. RawKafkaConnection.String16(topic),
            .. RawKafkaConnection.BigEndian32(1), .. RawKafkaConnection.BigEndian32(0), .. RawKafkaConnection.BigEndian64(0),
            .. RawKafkaConnection.BigEndian32(50_000_000),
        ];
        for (var i = 0; i < 50; i++)
        {
            await deaf.SendAsync(1, 4, fetch);
        }

        Assert.True(await halfFrame.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "a half-sent frame kept its connection open");
        var deafEndPoint = $"from 127.0.0.1:{((IPEndPoint)deaf.Socket.LocalEndPoint!).Port}:";
        await broker.WaitForOutputAsync(
            l => l.Contains(deafEndPoint, StringComparison.Ordinal) && l.Contains("stopped reading responses", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.True(await deaf.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "the broker kept a connection that never reads");

        // Everyone else is served throughout.
        var report = await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = [42] });
        Assert.Equal(20, report.Offset.Value);
        using var consumer = new ConsumerBuilder<Null, byte[]>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 20));
        Assert.Equal([42], Assert.Single(ConsumeExactly(consumer, 1)).Message.Value);
        Assert.False(broker.HasExited);
    }

    [Fact]
    public async Task Sigterm_stops_the_broker_cleanly()
    {
        await using var broker = await BrokerProcess.StartAsync();
        Assert.Equal(0, await broker.StopAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("Kafka broker stopped", broker.Output);
    }

    [Theory]
    [InlineData("--prot 9092", "Unknown option '--prot'")]
    [InlineData("--port", "Option '--port' needs a value")]
    [InlineData("--port 0", "Broker:DataDir is not set")]
    [InlineData("--port 0 --in-memory --message-max-bytes 12", "MessageMaxBytes")]
    [InlineData("--port 0 --in-memory --host not-an-ip", "is not an IP address")]
    public async Task Bad_command_line_exits_non_zero_naming_the_problem(string arguments, string expected)
    {
        var (exitCode, output) = await RunBrokerToExitAsync(arguments.Split(' '));
        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task Port_in_use_exits_with_a_message_saying_what_to_do()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exitCode, output) = await RunBrokerToExitAsync(["--in-memory", "--port", port]);
        Assert.Equal(1, exitCode);
        Assert.Contains($"Cannot listen on 127.0.0.1:{port}", output);
        Assert.Contains("--port", output);
    }

    private static async Task<(int ExitCode, string Output)> RunBrokerToExitAsync(IEnumerable<string> arguments)
    {
        var run = await ChildProcess.RunAsync("dotnet", [BrokerProcess.BrokerDllPath, .. arguments], TimeSpan.FromSeconds(30));
        return (run.ExitCode, run.StandardOutput + run.StandardError);
    }
}
