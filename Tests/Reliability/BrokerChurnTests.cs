using System.Diagnostics;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using RawKafkaConnection = AspirePipeline.Tests.Broker.RawKafkaConnection;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// Scenario 6: the broker process under connection churn (raw TCP clients, real librdkafka clients coming and going)
/// and clients that send requests but never read the responses, while a producer and a consumer keep working.
/// The protocol fuzz cases live in <c>Broker/BrokerRobustnessTests</c>.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerChurnTests
{
    private const int Rounds = 10;
    private const int RawConnectionsPerRound = 50;
    private const int DeafClients = 4;
    private const long MaxResidentGrowthBytes = 128L * 1024 * 1024;
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Churn_and_clients_that_stop_reading_leave_the_broker_serving_others_with_memory_and_handles_bounded()
    {
        var report = new Observations("6-broker-robustness", "Broker robustness",
            "dotnet test Tests/Tests.csproj --filter " +
            "\"FullyQualifiedName~Reliability.BrokerChurnTests|FullyQualifiedName~Broker.BrokerRobustnessTests\"")
        {
            Injected = $"{Rounds} rounds of {RawConnectionsPerRound} raw connections (ApiVersions, then hang up; half without a request) "
                + $"and a librdkafka producer created, used and disposed; {DeafClients} clients pipelining requests without ever reading "
                + $"responses (Broker:ClientStallTimeoutMs {StallTimeout.TotalMilliseconds:0}); "
                + "a steady producer/consumer measuring round trips throughout",
        };
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["Broker__ClientStallTimeoutMs"] = ((int)StallTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
        var topic = $"churn-{Guid.NewGuid():N}"[..16];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }
        using var steady = new RoundTrip(broker.BootstrapServers, topic);
        var before = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            before.Add(await steady.MeasureAsync());
        }
        var baselineRss = ProcStat.ResidentBytes(broker.ProcessId);
        var baselineHandles = ProcStat.OpenHandles(broker.ProcessId);

        var during = new List<double>();
        var peakRss = baselineRss;
        var peakHandles = baselineHandles;
        var connections = 0;
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, RawConnectionsPerRound).Select(async index =>
            {
                await using var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
                if (index % 2 == 0)
                {
                    await connection.SendAsync(18, 2, []);
                    await connection.ReceiveAsync();
                }
                Interlocked.Increment(ref connections);
            }));
            using (var passing = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
            {
                await passing.ProduceAsync(topic, new Message<Null, string> { Value = $"passing {round}" }).WaitAsync(Deadline);
            }
            during.Add(await steady.MeasureAsync());
            peakRss = Math.Max(peakRss, ProcStat.ResidentBytes(broker.ProcessId));
            peakHandles = Math.Max(peakHandles, ProcStat.OpenHandles(broker.ProcessId));
        }

        // Clients that keep sending and never read: their sends stop completing once the broker stops reading them.
        var deaf = new List<RawKafkaConnection>();
        var requestsSent = 0L;
        var whileDeaf = new List<double>();
        try
        {
            var frame = ApiVersionsFrames(100);
            for (var i = 0; i < DeafClients; i++)
            {
                var connection = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers);
                deaf.Add(connection);
                while (true)
                {
                    using var blocked = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                    try
                    {
                        await connection.Stream.WriteAsync(frame, blocked.Token);
                        requestsSent += 100;
                        Assert.True(requestsSent < 10_000_000, "the broker read an unbounded amount from a client that never reads");
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    catch (IOException)
                    {
                        break;
                    }
                }
            }
            var deafConnected = Stopwatch.StartNew();
            whileDeaf.Add(await steady.MeasureAsync());
            peakRss = Math.Max(peakRss, ProcStat.ResidentBytes(broker.ProcessId));
            peakHandles = Math.Max(peakHandles, ProcStat.OpenHandles(broker.ProcessId));
            Assert.True(peakRss - baselineRss < MaxResidentGrowthBytes,
                $"broker RSS grew {(peakRss - baselineRss) / 1048576} MB with {DeafClients} deaf clients");

            // The broker cuts the deaf clients after the stall timeout: its descriptors fall back to the baseline.
            await Poll.UntilAsync(() => ProcStat.OpenHandles(broker.ProcessId) <= baselineHandles + 2, Deadline,
                () => $"broker still holds {ProcStat.OpenHandles(broker.ProcessId)} descriptors (baseline {baselineHandles})",
                interval: TimeSpan.FromMilliseconds(200));
            var cutAfter = deafConnected.Elapsed;
            whileDeaf.Add(await steady.MeasureAsync());
            Assert.False(broker.HasExited, broker.Output);

            var afterRss = ProcStat.ResidentBytes(broker.ProcessId);
            report.Add("connections opened and closed", connections + Rounds * 2);
            report.Add("requests pipelined by the deaf clients before the broker stopped reading them", requestsSent);
            report.Add("deaf clients cut after (ms, stall timeout 3000)", Millis.Of(cutAfter));
            report.Add("steady round trip p50 before / during churn / with deaf clients (ms)",
                $"{Median(before):0.0} / {Median(during):0.0} / {Median(whileDeaf):0.0}");
            report.Add("steady round trip max during churn (ms)", Math.Round(during.Max(), 1));
            report.Add("steady round trips before churn (ms)", before.Select(value => Math.Round(value, 2)).ToList());
            report.Add("broker RSS MB baseline / peak / after", $"{baselineRss / 1048576} / {peakRss / 1048576} / {afterRss / 1048576}");
            report.Add("broker open descriptors baseline / peak / after",
                $"{baselineHandles} / {peakHandles} / {ProcStat.OpenHandles(broker.ProcessId)}");
            report.Add("bounds asserted", $"RSS growth < {MaxResidentGrowthBytes / 1048576} MB; descriptors back to baseline + 2");
        }
        finally
        {
            foreach (var connection in deaf)
            {
                await connection.DisposeAsync();
            }
        }
        report.Write();
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary><paramref name="count"/> ApiVersions v2 requests back to back, as one write.</summary>
    private static byte[] ApiVersionsFrames(int count)
    {
        byte[] header = [.. RawKafkaConnection.BigEndian16(18), .. RawKafkaConnection.BigEndian16(2), .. RawKafkaConnection.BigEndian32(7),
            .. RawKafkaConnection.String16("deaf")];
        byte[] frame = [.. RawKafkaConnection.BigEndian32(header.Length), .. header];
        return [.. Enumerable.Repeat(frame, count).SelectMany(bytes => bytes)];
    }

    /// <summary>A long-lived producer and assign-only consumer: produce one message, time until it is consumed.</summary>
    private sealed class RoundTrip : IDisposable
    {
        private readonly IProducer<Null, string> _producer;
        private readonly IConsumer<Null, string> _consumer;
        private readonly string _topic;

        public RoundTrip(string bootstrap, string topic)
        {
            _topic = topic;
            _producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 0 }).Build();
            _consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = $"churn-{Guid.NewGuid():N}",
                EnableAutoCommit = false,
                FetchWaitMaxMs = 10,
            }).Build();
            // An explicit start: a lazily resolved Offset.End could land after the first marker.
            var end = _consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Deadline).High;
            _consumer.Assign(new TopicPartitionOffset(topic, 0, end));
        }

        public async Task<double> MeasureAsync()
        {
            var marker = Guid.NewGuid().ToString("N");
            var clock = Stopwatch.StartNew();
            await _producer.ProduceAsync(_topic, new Message<Null, string> { Value = marker }).WaitAsync(Deadline);
            while (true)
            {
                Assert.True(clock.Elapsed < Deadline, "the steady consumer did not get its message back");
                if (_consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message.Value: var value } && value == marker)
                {
                    return clock.Elapsed.TotalMilliseconds;
                }
            }
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
            _producer.Dispose();
        }
    }
}
