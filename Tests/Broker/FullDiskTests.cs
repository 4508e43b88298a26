using System.Diagnostics;
using System.Globalization;
using AspirePipeline.Hosting.Kafka;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Reliability;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using static AspirePipeline.Tests.Broker.KafkaTestClients;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// The broker's data directory on a real 32 MiB tmpfs that a filler file fills: Produce is answered with
/// KAFKA_STORAGE_ERROR on an open connection, one error line is logged, the AppHost's health check says Unhealthy,
/// and once the filler is deleted the waiting producer's message is taken by itself; every acknowledged message
/// stays readable, also after a restart on the same directory (no torn segment to repair).
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class FullDiskTests
{
    private const short KafkaStorageError = 56;
    private const int MessageBytes = 100_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_full_data_directory_is_answered_reported_and_survived_without_losing_acknowledged_messages()
    {
        var observations = new Observations("8-full-disk", "Full disk",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Broker.FullDiskTests")
        {
            Injected = "The broker's data directory on a 32 MiB tmpfs, filled to the last byte by a filler file while an idempotent "
                + "producer (acks=all, 60 s message timeout) sends 100 KB messages; then the filler is deleted",
        };
        var mount = Directory.CreateTempSubdirectory("aspirepipeline-fulldisk-").FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", mount);
        try
        {
            var dataDir = Path.Combine(mount, "kafka");
            var filler = Path.Combine(mount, "filler");
            await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false, DataDir = dataDir });
            var topic = UniqueTopic("full");
            await CreateTopicAsync(broker.BootstrapServers, topic, partitions: 1);
            var producerConfig = KafkaTestClients.Producer(broker.BootstrapServers);
            producerConfig.EnableIdempotence = true;
            producerConfig.MessageTimeoutMs = 60_000;
            using var producer = new ProducerBuilder<string, byte[]>(producerConfig).Build();
            var acknowledged = new List<int>();
            for (var i = 0; i < 8; i++)
            {
                await ProduceAsync(producer, topic, i);
                acknowledged.Add(i);
            }

            var fillerBytes = Fill(filler);
            observations.Add("filler written until ENOSPC (MiB)", Math.Round(fillerBytes / 1048576.0, 1));

            // The broker answers on the same connection: error 56 for the partition, then the next request too.
            await using (var raw = await RawKafkaConnection.ConnectAsync(broker.BootstrapServers))
            {
                for (var attempt = 0; attempt < 5; attempt++)
                {
                    await raw.SendAsync(0, 3,
                        RawKafkaConnection.ProduceBody(topic, 0, RawKafkaConnection.RecordBatch([new string('x', MessageBytes)])));
                    var (error, baseOffset) = RawKafkaConnection.ParseProduceResponse((await raw.ReceiveAsync(Deadline)).Body);
                    Assert.Equal(KafkaStorageError, error);
                    Assert.Equal(-1, baseOffset);
                }

                observations.Add("produce answer while full (5 raw requests on one connection)",
                    "KAFKA_STORAGE_ERROR (56) each, connection kept open");
            }

            // The real producer keeps retrying a message meanwhile (librdkafka treats error 56 as retriable).
            var clock = Stopwatch.StartNew();
            var waiting = ProduceAsync(producer, topic, 8);

            var failure = await broker.WaitForOutputAsync(line => line.Contains("Storage failure", StringComparison.Ordinal), Deadline);
            Assert.Contains(dataDir, failure, StringComparison.Ordinal);
            observations.Add("error logged", failure.Trim());

            using var admin = new KafkaAdmin("kafka", ownsTopics: true, NullLogger<KafkaAdmin>.Instance)
            {
                BootstrapServers = broker.BootstrapServers,
            };
            var kafka = new KafkaBrokerResource("kafka", "dotnet", mount) { DataDirectory = dataDir, Host = "127.0.0.1" };
            var health = new KafkaResourceHealthCheck(admin, kafka);
            var unhealthy = await health.CheckHealthAsync(new HealthCheckContext()).WaitAsync(Deadline);
            Assert.True(unhealthy.Status == HealthStatus.Unhealthy, $"health while full: {unhealthy.Status} {unhealthy.Description}");
            Assert.Contains(dataDir, unhealthy.Description, StringComparison.Ordinal);
            observations.Add("health while full", $"{unhealthy.Status}: {unhealthy.Description}");

            // A producer whose message timeout ends during the outage sees the message fail (what the Producer counts):
            // librdkafka retries error 56 and reports only the timeout, so the reason is in the broker's log and health.
            var impatientConfig = KafkaTestClients.Producer(broker.BootstrapServers);
            impatientConfig.MessageTimeoutMs = 2_000;
            using (var impatient = new ProducerBuilder<string, byte[]>(impatientConfig).Build())
            {
                var timedOut = await Assert.ThrowsAsync<ProduceException<string, byte[]>>(() => ProduceAsync(impatient, topic, -1));
                observations.Add("delivery error of a producer with a 2 s message timeout", timedOut.Error.Code.ToString());
            }

            Assert.False(waiting.IsCompleted, "a message was acknowledged while the disk was full");
            var failureLines = CountLines(broker, "Storage failure");
            Assert.Equal(1, failureLines);
            observations.Add("storage error lines logged during the outage", failureLines);

            File.Delete(filler);
            var freedAt = clock.Elapsed;
            await waiting.WaitAsync(Deadline);
            acknowledged.Add(8);
            observations.Add("message waiting in the producer acknowledged after space was freed (ms)", Millis.Of(clock.Elapsed - freedAt));
            var recovered = await broker.WaitForOutputAsync(line => line.Contains("Storage recovered", StringComparison.Ordinal), Deadline);
            observations.Add("recovery logged", recovered.Trim());

            var healthy = await health.CheckHealthAsync(new HealthCheckContext()).WaitAsync(Deadline);
            Assert.True(healthy.Status == HealthStatus.Healthy, $"health after space came back: {healthy.Status} {healthy.Description}");
            observations.Add("health after space came back", healthy.Status.ToString());

            for (var i = 9; i < 16; i++)
            {
                await ProduceAsync(producer, topic, i);
                acknowledged.Add(i);
            }

            Assert.Equal(acknowledged, ReadAll(broker, topic));
            observations.Add("acknowledged messages", acknowledged.Count);
            observations.Add("acknowledged messages read back, in order, no duplicates", acknowledged.Count);

            // Restart on the same directory: the partial writes were truncated when they failed, so nothing is repaired.
            await broker.RestartAsync();
            Assert.DoesNotContain(broker.Output.Split('\n'), line => line.Contains("torn tail", StringComparison.Ordinal));
            Assert.Equal(acknowledged, ReadAll(broker, topic));
            observations.Add("after kill -9 and restart on the same directory",
                "no torn tail or dropped segment; every acknowledged message read back");
            observations.Write();
        }
        finally
        {
            await RunAsync("umount", mount);
            Directory.Delete(mount);
        }
    }

    private static async Task ProduceAsync(IProducer<string, byte[]> producer, string topic, int id)
    {
        var report = await producer.ProduceAsync(topic, new Message<string, byte[]>
        {
            Key = id.ToString(CultureInfo.InvariantCulture),
            Value = new byte[MessageBytes],
        });
        Assert.Equal(PersistenceStatus.Persisted, report.Status);
    }

    /// <summary>The ids of every message in the partition, in offset order.</summary>
    private static List<int> ReadAll(BrokerProcess broker, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaTestClients.Consumer(broker.BootstrapServers)).Build();
        var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        return ConsumeExactly(consumer, (int)end, Deadline).Select(r => int.Parse(r.Message.Key, CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Writes the file until the file system refuses more (ENOSPC); returns the bytes written.</summary>
    private static long Fill(string path)
    {
        var chunk = new byte[1 << 20];
        long written = 0;
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            // Full: what fitted of the last chunk stays written.
            return written;
        }
    }

    private static int CountLines(BrokerProcess broker, string text) =>
        broker.Output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var run = await ChildProcess.RunAsync(command, arguments, Deadline);
        Assert.True(run.ExitCode == 0,
            $"'{command} {string.Join(' ', arguments)}' failed ({run.ExitCode}): {run.StandardError.Trim()}. " +
            "The full-disk test needs root to mount a tmpfs.");
    }
}
