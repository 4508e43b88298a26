using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace AspirePipeline.Bench;

/// <summary>
/// Produce and consume throughput of our broker with Confluent.Kafka, against the data disk's own sequential write
/// bandwidth measured in the same run (the physical ceiling).
/// </summary>
internal static class BrokerBenchmark
{
    private static readonly int[] MessageSizes = [10_000, 100_000, 1_000_000];
    private static readonly Acks[] AckModes = [Acks.Leader, Acks.All];
    private const int LatencySamples = 300;

    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        var dataRoot = Path.Combine(arguments.RepoRoot, ".data", "bench");
        Directory.CreateDirectory(dataRoot);
        var totalBytes = (long)arguments.Megabytes * 1_000_000;

        Progress($"machine: {MachineInfo.Describe(dataRoot)}");
        Progress($"disk ceiling: dd of {arguments.Megabytes} MB, {arguments.Runs} runs");
        var ddSynced = Median(Enumerable.Range(0, arguments.Runs).Select(_ => DiskCeiling.Measure(dataRoot, arguments.Megabytes, sync: true)).ToList());
        var ddBuffered = Median(Enumerable.Range(0, arguments.Runs).Select(_ => DiskCeiling.Measure(dataRoot, arguments.Megabytes, sync: false)).ToList());
        Progress($"  dd conv=fdatasync {ddSynced:F0} MB/s, dd buffered {ddBuffered:F0} MB/s");

        var rows = new List<Row>();
        foreach (var size in MessageSizes)
        {
            foreach (var acks in AckModes)
            {
                var runs = new List<RunResult>();
                for (var run = 1; run <= arguments.Runs; run++)
                {
                    var dataDir = Path.Combine(dataRoot, $"broker-{Guid.NewGuid():N}");
                    await using var broker = await BrokerProcess.StartAsync(arguments.RepoRoot, dataDir);
                    var result = await RunOnceAsync(broker.BootstrapServers, size, acks, totalBytes);
                    Progress($"  {size / 1000} KB acks={AcksName(acks)} run {run}: produce {result.ProduceMBps:F0} MB/s, consume {result.ConsumeMBps:F0} MB/s, p50 {result.LatencyP50Ms:F2} ms, p99 {result.LatencyP99Ms:F2} ms, lag at end {result.KeepUpLagMs:F0} ms");
                    runs.Add(result);
                    await broker.DisposeAsync();
                    Directory.Delete(dataDir, recursive: true);
                }

                rows.Add(new Row(size, acks, runs));
            }
        }

        var markdown = Render(arguments, ddSynced, ddBuffered, rows, dataRoot);
        Console.WriteLine(markdown);
        if (arguments.Output is not null)
        {
            MarkdownSection.Replace(arguments.Output, "broker", markdown);
            Progress($"written to {arguments.Output}");
        }

        return 0;
    }

    private static async Task<RunResult> RunOnceAsync(string bootstrap, int size, Acks acks, long totalBytes)
    {
        var topic = $"bench-{size}-{Guid.NewGuid():N}";
        var count = (int)Math.Max(totalBytes / size, 50);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = 1 }]);
        }

        var payload = new byte[size];
        Random.Shared.NextBytes(payload);

        // Consumer joins first so the "keeps up" measure sees it consuming while the producer produces.
        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"bench-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchMaxBytes = 64 * 1024 * 1024,
            MaxPartitionFetchBytes = 16 * 1024 * 1024,
            FetchWaitMaxMs = 100,
        }).Build();
        consumer.Subscribe(topic);
        var consumed = 0;
        long firstConsumedTicks = 0, lastConsumedTicks = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var assigned = new TaskCompletionSource();
        var consumeLoop = Task.Factory.StartNew(() =>
        {
            while (consumed < count && !stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                // Asking librdkafka for the assignment copies it: only until the group has assigned partitions.
                if (!assigned.Task.IsCompleted && consumer.Assignment.Count > 0)
                {
                    assigned.TrySetResult();
                }

                if (result?.Message is null)
                {
                    continue;
                }

                if (consumed++ == 0)
                {
                    firstConsumedTicks = Stopwatch.GetTimestamp();
                }

                lastConsumedTicks = Stopwatch.GetTimestamp();
            }
        }, TaskCreationOptions.LongRunning);
        await assigned.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = acks,
            LingerMs = 5,
            BatchSize = 1_000_000,
            MessageMaxBytes = 4 * 1024 * 1024,
            QueueBufferingMaxKbytes = 512 * 1024,
        }).Build();

        var delivered = 0;
        var failed = 0;
        var start = Stopwatch.GetTimestamp();
        var allDelivered = new TaskCompletionSource();
        void OnDelivery(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }

            if (Interlocked.Increment(ref delivered) == count)
            {
                allDelivered.TrySetResult();
            }
        }

        var message = new Message<Null, byte[]> { Value = payload };
        for (var i = 0; i < count; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, OnDelivery);
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }

        await allDelivered.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var produceEnd = Stopwatch.GetTimestamp();
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {count} messages were not acknowledged by the broker.");
        }

        await consumeLoop.WaitAsync(TimeSpan.FromMinutes(5));
        if (consumed < count)
        {
            throw new InvalidOperationException($"consumer read only {consumed} of {count} messages.");
        }

        consumer.Close();
        var produceSeconds = Stopwatch.GetElapsedTime(start, produceEnd).TotalSeconds;
        var consumeSeconds = Stopwatch.GetElapsedTime(firstConsumedTicks, lastConsumedTicks).TotalSeconds;
        var keepUpLagMs = Math.Max(0, Stopwatch.GetElapsedTime(produceEnd, lastConsumedTicks).TotalMilliseconds);
        var bytes = (double)count * size;

        var latencies = await MeasureLatencyAsync(bootstrap, topic, payload, acks);
        return new RunResult(
            bytes / produceSeconds / 1e6,
            count / produceSeconds,
            bytes / consumeSeconds / 1e6,
            count / consumeSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            keepUpLagMs);
    }

    /// <summary>One message in flight at a time, no linger: the broker's round trip, not queueing.</summary>
    private static async Task<List<double>> MeasureLatencyAsync(string bootstrap, string topic, byte[] payload, Acks acks)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = acks,
            LingerMs = 0,
            MessageMaxBytes = 4 * 1024 * 1024,
        }).Build();
        var message = new Message<Null, byte[]> { Value = payload };
        await producer.ProduceAsync(topic, message); // connection and metadata warm-up
        var samples = new List<double>(LatencySamples);
        for (var i = 0; i < LatencySamples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await producer.ProduceAsync(topic, message);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return samples;
    }

    private static string Render(BenchArguments arguments, double ddSynced, double ddBuffered, List<Row> rows, string dataRoot)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Generated {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run --project Bench -c Release -- broker --runs {arguments.Runs} --megabytes {arguments.Megabytes}`.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {MachineInfo.Describe(dataRoot)}.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Disk ceiling (same data directory, {arguments.Megabytes} MB, median of {arguments.Runs}): `dd bs=1M conv=fdatasync` **{ddSynced:F0} MB/s**; buffered `dd bs=1M` {ddBuffered:F0} MB/s.");
        text.AppendLine();
        text.AppendLine("| message | acks | produce MB/s | produce msg/s | ratio to disk (fdatasync) | consume MB/s | consume msg/s | consumer behind producer at end (ms) | produce latency p50 (ms) | p99 (ms) |");
        text.AppendLine("|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var produceMBps = Median(row.Runs.Select(r => r.ProduceMBps).ToList());
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Size / 1000} KB | {AcksName(row.Acks)} | {produceMBps:F0} | {Median(row.Runs.Select(r => r.ProduceMsgs).ToList()):F0} | {produceMBps / ddSynced:F2} | {Median(row.Runs.Select(r => r.ConsumeMBps).ToList()):F0} | {Median(row.Runs.Select(r => r.ConsumeMsgs).ToList()):F0} | {Median(row.Runs.Select(r => r.KeepUpLagMs).ToList()):F0} | {Median(row.Runs.Select(r => r.LatencyP50Ms).ToList()):F2} | {Median(row.Runs.Select(r => r.LatencyP99Ms).ToList()):F2} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Each cell is the median of {arguments.Runs} runs; every run starts a fresh broker process (Release) on a fresh data directory, creates a 3-partition topic, and has a consumer group subscribed before producing {arguments.Megabytes} MB of incompressible payload (linger 5 ms, batch 1 MB). Consume throughput is measured from the first to the last message that consumer receives while the producer runs; \"behind at end\" is how long after the last acknowledgement it received the last message. Latency: {LatencySamples} sequential `ProduceAsync` calls, one in flight, linger 0.");
        return text.ToString();
    }

    private static string AcksName(Acks acks) => acks == Acks.All ? "all" : "1";

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    private sealed record Row(int Size, Acks Acks, List<RunResult> Runs);

    private sealed record RunResult(double ProduceMBps, double ProduceMsgs, double ConsumeMBps, double ConsumeMsgs, double LatencyP50Ms, double LatencyP99Ms, double KeepUpLagMs);
}
