using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AspirePipeline.Bench.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace AspirePipeline.Bench;

/// <summary>
/// Produce and consume throughput of our broker with Confluent.Kafka, against the data disk's own sequential write
/// bandwidth measured in the same run (the physical ceiling). Two modes per message size and acks: saturating (the
/// producer sends as fast as the broker acknowledges) and fixed rate (a fraction of the saturating rate), each with
/// the consumer in its own process, so "the consumer keeps up" is measured where it can be true.
/// </summary>
/// <remarks>
/// Options besides the shared ones: <c>--sizes 10,100,1000</c> (KB), <c>--acks 1,all</c>, <c>--rate-fraction 0.5</c>,
/// <c>--warmup-megabytes N</c> (default a quarter of --megabytes, at most 256).
/// </remarks>
internal static class BrokerBenchmark
{
    private const int LatencySamples = 300;
    private const int Partitions = 3;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        var options = Options.Parse(Environment.GetCommandLineArgs(), arguments.Megabytes);
        var dataRoot = Path.Combine(arguments.RepoRoot, ".data", "bench");
        Directory.CreateDirectory(dataRoot);
        var totalBytes = (long)arguments.Megabytes * 1_000_000;

        Progress($"machine: {MachineInfo.Describe(dataRoot)}");
        Progress($"disk ceiling: dd of {arguments.Megabytes} MB, {arguments.Runs} runs");
        var ddSynced = Median(Enumerable.Range(0, arguments.Runs)
            .Select(_ => DiskCeiling.Measure(dataRoot, arguments.Megabytes, sync: true)).ToList());
        var ddBuffered = Median(Enumerable.Range(0, arguments.Runs)
            .Select(_ => DiskCeiling.Measure(dataRoot, arguments.Megabytes, sync: false)).ToList());
        Progress($"  dd conv=fdatasync {ddSynced:F0} MB/s, dd buffered {ddBuffered:F0} MB/s");

        var rows = new List<Row>();
        foreach (var size in options.Sizes)
        {
            foreach (var acks in options.Acks)
            {
                var isolated = new List<IsolatedResult>();
                for (var run = 1; run <= arguments.Runs; run++)
                {
                    isolated.Add(await WithBrokerAsync(arguments.RepoRoot, dataRoot, size, acks, options.WarmupBytes, async bootstrap =>
                    {
                        var result = await RunIsolatedAsync(bootstrap, size, acks, totalBytes);
                        Progress($"  {size / 1000} KB acks={AcksName(acks)} each side alone, run {run}: " +
                            $"produce {result.ProduceMBps:F0} MB/s ({result.ProduceMBps / ddSynced:F2} of dd), " +
                            $"then consume {result.ConsumeMBps:F0} MB/s");
                        return result;
                    }));
                }

                var saturated = new List<SaturatedResult>();
                for (var run = 1; run <= arguments.Runs; run++)
                {
                    saturated.Add(await WithBrokerAsync(arguments.RepoRoot, dataRoot, size, acks, options.WarmupBytes, async bootstrap =>
                    {
                        var result = await RunSaturatedAsync(bootstrap, size, acks, totalBytes);
                        result = result with { Latencies = await MeasureLatencyAsync(bootstrap, size, acks) };
                        Progress($"  {size / 1000} KB acks={AcksName(acks)} saturating run {run}: " +
                            $"produce {result.ProduceMBps:F0} MB/s, consume {result.ConsumeMBps:F0} MB/s, " +
                            $"consumer behind at end {result.BehindAtEndMs:F0} ms, " +
                            $"latency p50 {result.LatencyP50Ms:F2} ms p99 {result.LatencyP99Ms:F2} ms");
                        return result;
                    }));
                }

                // The fixed rate is a fraction of this row's median saturating rate, so it is below saturation on this
                // machine by construction.
                var rate = options.RateFraction * Median(saturated.Select(r => r.ProduceMBps).ToList());
                var fixedRate = new List<FixedRateResult>();
                for (var run = 1; run <= arguments.Runs; run++)
                {
                    fixedRate.Add(await WithBrokerAsync(arguments.RepoRoot, dataRoot, size, acks, options.WarmupBytes, async bootstrap =>
                    {
                        var result = await RunFixedRateAsync(bootstrap, size, acks, totalBytes, rate);
                        Progress($"  {size / 1000} KB acks={AcksName(acks)} at {rate:F0} MB/s run {run}: " +
                            $"produced {result.ProduceMBps:F0} MB/s, consumed {result.ConsumeMBps:F0} MB/s, " +
                            $"delay p50 {result.DelayP50Ms:F2} ms p99 {result.DelayP99Ms:F2} ms max {result.DelayMaxMs:F1} ms, " +
                            $"behind at end {result.BehindAtEndMs:F0} ms");
                        return result;
                    }));
                }

                rows.Add(new Row(size, acks, isolated, saturated, rate, fixedRate));
            }
        }

        var markdown = Render(arguments, options, ddSynced, ddBuffered, rows, dataRoot);
        Console.WriteLine(markdown);
        if (arguments.Output is not null)
        {
            MarkdownSection.Replace(arguments.Output, "broker", markdown);
            Progress($"written to {arguments.Output}");
        }

        return 0;
    }

    /// <summary>A fresh broker process on a fresh data directory, warmed up, for one measured run.</summary>
    private static async Task<T> WithBrokerAsync<T>(
        string repoRoot, string dataRoot, int size, Acks acks, long warmupBytes, Func<string, Task<T>> measure)
    {
        var dataDir = Path.Combine(dataRoot, $"broker-{Guid.NewGuid():N}");
        try
        {
            await using var broker = await BenchBroker.StartAsync(dataDir);
            if (warmupBytes > 0)
            {
                // The broker JIT-compiles and re-tiers its hot paths during its first seconds; a measured run of a few
                // hundred MB would otherwise time that compilation as much as the produce path (it was a fifth of the
                // broker's CPU in a 1 GB run straight after start).
                await RunSaturatedAsync(broker.BootstrapServers, size, acks, warmupBytes);
            }

            return await measure(broker.BootstrapServers);
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static async Task<string> CreateTopicAsync(string bootstrap, int size)
    {
        var topic = $"bench-{size}-{Guid.NewGuid():N}";
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    private static IProducer<Null, byte[]> CreateProducer(string bootstrap, Acks acks) =>
        new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = acks,
            LingerMs = 5,
            BatchSize = 1_000_000,
            MessageMaxBytes = 4 * 1024 * 1024,
            QueueBufferingMaxKbytes = 512 * 1024,
        }).Build();

    /// <summary>Tracks delivery reports: how many arrived, how many failed, and when the last one did.</summary>
    /// <summary>
    /// A phase with the consumer reading while the producer produces: the topic, the consume worker (joined first,
    /// primed one message per partition), the producer and the payload; <see cref="FinishAsync"/> waits for both ends.
    /// </summary>
    private sealed class ConcurrentPhase(string topic, int count, ConsumeWorkerProcess worker, IProducer<Null, byte[]> producer,
        Message<Null, byte[]> message) : IAsyncDisposable
    {
        public string Topic => topic;

        public int Count => count;

        public IProducer<Null, byte[]> Producer => producer;

        public Message<Null, byte[]> Message => message;

        public Deliveries Deliveries { get; } = new(count);

        public static async Task<ConcurrentPhase> StartAsync(string bootstrap, int size, Acks acks, long totalBytes)
        {
            var topic = await CreateTopicAsync(bootstrap, size);
            var count = (int)Math.Max(totalBytes / size, 50);
            var worker = await ConsumeWorkerProcess.StartAsync(bootstrap, topic, count, Partitions, PhaseTimeout);
            var producer = CreateProducer(bootstrap, acks);
            var message = Payload(size);
            await PrimeAsync(producer, topic, message, worker);
            return new ConcurrentPhase(topic, count, worker, producer, message);
        }

        /// <summary>Every delivery acknowledged and every message consumed: when the last delivery came, and the consumer's figures.</summary>
        public async Task<(long ProduceEnd, BrokerConsumeWorker.WorkerResult Consumed)> FinishAsync()
        {
            await Deliveries.All.WaitAsync(PhaseTimeout);
            var produceEnd = Deliveries.LastTicks;
            Deliveries.ThrowIfFailed();
            var consumed = await worker.Result.WaitAsync(PhaseTimeout);
            return consumed.Consumed < count
                ? throw new InvalidOperationException($"the consumer read only {consumed.Consumed} of {count} messages.")
                : (produceEnd, consumed);
        }

        public async ValueTask DisposeAsync()
        {
            producer.Dispose();
            await worker.DisposeAsync();
        }
    }

    private sealed class Deliveries(int expected)
    {
        private int _delivered;
        private int _failed;
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task All => _all.Task;

        public long LastTicks { get; private set; }

        public void OnReport(DeliveryReport<Null, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
            }

            if (Interlocked.Increment(ref _delivered) == expected)
            {
                LastTicks = Stopwatch.GetTimestamp();
                _all.TrySetResult();
            }
        }

        public void ThrowIfFailed()
        {
            if (_failed > 0)
            {
                throw new InvalidOperationException($"{_failed} of {expected} messages were not acknowledged by the broker.");
            }
        }
    }

    /// <summary>Produce() copies the value into librdkafka's queue, so one payload buffer is restamped per message.</summary>
    private static void Produce(IProducer<Null, byte[]> producer, string topic, Message<Null, byte[]> message, Deliveries deliveries)
    {
        while (true)
        {
            BinaryPrimitives.WriteInt64LittleEndian(message.Value, Stopwatch.GetTimestamp());
            try
            {
                producer.Produce(topic, message, deliveries.OnReport);
                return;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
    }

    /// <summary>
    /// One message into each partition, waited for at the consumer: from then on every partition is being fetched, so
    /// the measured part does not include the consumer's offset lookups and first fetches.
    /// </summary>
    private static async Task PrimeAsync(IProducer<Null, byte[]> producer, string topic, Message<Null, byte[]> message, ConsumeWorkerProcess worker)
    {
        for (var partition = 0; partition < Partitions; partition++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(message.Value, Stopwatch.GetTimestamp());
            producer.Produce(new TopicPartition(topic, new Partition(partition)), message);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        await worker.Primed.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static Message<Null, byte[]> Payload(int size)
    {
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        return new Message<Null, byte[]> { Value = payload };
    }

    /// <summary>
    /// Produce alone, then consume alone, on one broker: each side's own throughput, without the other client taking
    /// half of the two cores (how Kafka's producer-perf-test and consumer-perf-test are run). The consumer reads the
    /// backlog the producer left from the start.
    /// </summary>
    private static async Task<IsolatedResult> RunIsolatedAsync(string bootstrap, int size, Acks acks, long totalBytes)
    {
        var topic = await CreateTopicAsync(bootstrap, size);
        var count = (int)Math.Max(totalBytes / size, 50);
        var message = Payload(size);
        long produceTicks;
        using (var producer = CreateProducer(bootstrap, acks))
        {
            // The primer messages the consume worker waits for, one per partition, ahead of the measured ones.
            for (var partition = 0; partition < Partitions; partition++)
            {
                producer.Produce(new TopicPartition(topic, new Partition(partition)), message);
            }
            producer.Flush(TimeSpan.FromSeconds(30));

            var deliveries = new Deliveries(count);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                Produce(producer, topic, message, deliveries);
            }
            await deliveries.All.WaitAsync(PhaseTimeout);
            deliveries.ThrowIfFailed();
            produceTicks = deliveries.LastTicks - start;
        }

        await using var worker = await ConsumeWorkerProcess.StartAsync(bootstrap, topic, count, Partitions, PhaseTimeout);
        var consumed = await worker.Result.WaitAsync(PhaseTimeout);
        if (consumed.Consumed < count)
        {
            throw new InvalidOperationException($"the consumer read only {consumed.Consumed} of {count} messages.");
        }

        var produceSeconds = produceTicks / (double)Stopwatch.Frequency;
        var consumeSeconds = Stopwatch.GetElapsedTime(consumed.FirstTicks, consumed.LastTicks).TotalSeconds;
        var bytes = (double)count * size;
        return new IsolatedResult(bytes / produceSeconds / 1e6, count / produceSeconds, bytes / consumeSeconds / 1e6, count / consumeSeconds);
    }

    private static async Task<SaturatedResult> RunSaturatedAsync(string bootstrap, int size, Acks acks, long totalBytes)
    {
        await using var phase = await ConcurrentPhase.StartAsync(bootstrap, size, acks, totalBytes);
        var (topic, count, producer, message, deliveries) = (phase.Topic, phase.Count, phase.Producer, phase.Message, phase.Deliveries);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            Produce(producer, topic, message, deliveries);
        }

        var (produceEnd, consumed) = await phase.FinishAsync();

        var produceSeconds = Stopwatch.GetElapsedTime(start, produceEnd).TotalSeconds;
        var consumeSeconds = Stopwatch.GetElapsedTime(consumed.FirstTicks, consumed.LastTicks).TotalSeconds;
        var bytes = (double)count * size;
        return new SaturatedResult(
            bytes / produceSeconds / 1e6,
            count / produceSeconds,
            bytes / consumeSeconds / 1e6,
            count / consumeSeconds,
            Math.Max(0, Stopwatch.GetElapsedTime(produceEnd, consumed.LastTicks).TotalMilliseconds),
            []);
    }

    /// <summary>
    /// Produces at <paramref name="megabytesPerSecond"/>: every millisecond, as many messages as the schedule says should
    /// have been sent by then. The consumer reports each message's delay from the Produce call to its receipt.
    /// </summary>
    private static async Task<FixedRateResult> RunFixedRateAsync(string bootstrap, int size, Acks acks, long totalBytes, double megabytesPerSecond)
    {
        await using var phase = await ConcurrentPhase.StartAsync(bootstrap, size, acks, totalBytes);
        var (topic, count, producer, message, deliveries) = (phase.Topic, phase.Count, phase.Producer, phase.Message, phase.Deliveries);
        var messagesPerSecond = megabytesPerSecond * 1e6 / size;
        // Every tick, as many messages as the schedule says should have been sent by then.
        using var pacing = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        var start = Stopwatch.GetTimestamp();
        var sent = 0;
        while (true)
        {
            var due = Math.Min(count, (int)(Stopwatch.GetElapsedTime(start).TotalSeconds * messagesPerSecond) + 1);
            for (; sent < due; sent++)
            {
                Produce(producer, topic, message, deliveries);
            }

            if (sent >= count)
            {
                break;
            }

            await pacing.WaitForNextTickAsync();
        }

        var (produceEnd, consumed) = await phase.FinishAsync();

        var bytes = (double)count * size;
        return new FixedRateResult(
            bytes / Stopwatch.GetElapsedTime(start, produceEnd).TotalSeconds / 1e6,
            bytes / Stopwatch.GetElapsedTime(consumed.FirstTicks, consumed.LastTicks).TotalSeconds / 1e6,
            consumed.DelayP50Ms,
            consumed.DelayP99Ms,
            consumed.DelayMaxMs,
            Math.Max(0, Stopwatch.GetElapsedTime(produceEnd, consumed.LastTicks).TotalMilliseconds));
    }

    /// <summary>One message in flight at a time, no linger: the broker's round trip, not queueing.</summary>
    private static async Task<List<double>> MeasureLatencyAsync(string bootstrap, int size, Acks acks)
    {
        var topic = await CreateTopicAsync(bootstrap, size);
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = acks,
            LingerMs = 0,
            MessageMaxBytes = 4 * 1024 * 1024,
        }).Build();
        var message = Payload(size);
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

    private static string Render(BenchArguments arguments, Options options, double ddSynced, double ddBuffered, List<Row> rows, string dataRoot)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Generated {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC by `dotnet run --project Bench -c Release -- broker " +
            $"--runs {arguments.Runs} --megabytes {arguments.Megabytes}{options.Describe()}`.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {MachineInfo.Describe(dataRoot)}.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Disk ceiling (same data directory, {arguments.Megabytes} MB, median of {arguments.Runs}): " +
            $"`dd bs=1M conv=fdatasync` **{ddSynced:F0} MB/s**; buffered `dd bs=1M` {ddBuffered:F0} MB/s.");
        text.AppendLine();
        text.AppendLine("Each side alone: the producer sends as fast as the broker acknowledges with no consumer running, " +
            "then a consumer reads that backlog from the start.");
        text.AppendLine();
        text.AppendLine("| message | acks | produce MB/s | produce msg/s | ratio to disk (fdatasync) | consume MB/s | consume msg/s |");
        text.AppendLine("|---:|:---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine($"| {row.Size / 1000} KB | {AcksName(row.Acks)} | {ThroughputCells(row.Isolated, ddSynced)} |");
        }

        text.AppendLine();
        text.AppendLine("Saturating, both at once: the producer sends as fast as the broker acknowledges while the consumer reads; " +
            "producer client, broker and consumer client share the two cores.");
        text.AppendLine();
        text.AppendLine("| message | acks | produce MB/s | produce msg/s | ratio to disk (fdatasync) | consume MB/s | consume msg/s " +
            "| consumer behind producer at end (ms) | produce latency p50 (ms) | p99 (ms) |");
        text.AppendLine("|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Size / 1000} KB | {AcksName(row.Acks)} | {ThroughputCells(row.Saturated, ddSynced)} " +
                $"| {Median(row.Saturated.Select(r => r.BehindAtEndMs).ToList()):F0} " +
                $"| {Median(row.Saturated.Select(r => r.LatencyP50Ms).ToList()):F2} " +
                $"| {Median(row.Saturated.Select(r => r.LatencyP99Ms).ToList()):F2} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Fixed rate: the producer sends at {options.RateFraction:0.##} × that row's median saturating rate; " +
            $"delay is from the producer's `Produce` call to the consumer receiving the message.");
        text.AppendLine();
        text.AppendLine("| message | acks | rate asked (MB/s) | produced MB/s | consumed MB/s | delay p50 (ms) | p99 (ms) | max (ms) " +
            "| consumer behind producer at end (ms) | keeps up |");
        text.AppendLine("|---:|:---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var row in rows)
        {
            var runs = row.FixedRate;
            var keptUp = runs.Count(KeptUp);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Size / 1000} KB | {AcksName(row.Acks)} | {row.FixedRateMBps:F0} " +
                $"| {Median(runs.Select(r => r.ProduceMBps).ToList()):F0} | {Median(runs.Select(r => r.ConsumeMBps).ToList()):F0} " +
                $"| {Median(runs.Select(r => r.DelayP50Ms).ToList()):F2} | {Median(runs.Select(r => r.DelayP99Ms).ToList()):F2} " +
                $"| {runs.Max(r => r.DelayMaxMs):F1} | {Median(runs.Select(r => r.BehindAtEndMs).ToList()):F0} | {keptUp} of {runs.Count} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Each cell is the median of {arguments.Runs} runs (delay max: the largest of them). " +
            $"Every run starts a fresh broker process (Release) on a fresh data directory, " +
            $"warms it up with {options.WarmupBytes / 1_000_000} MB of the same messages (not measured), creates a 3-partition topic, " +
            $"and the producer sends {arguments.Megabytes} MB of incompressible payload (linger 5 ms, batch 1 MB). " +
            $"The consumer runs in its own process (the Bench binary's `{BrokerConsumeWorker.Command}`): " +
            $"in the each-side-alone runs it starts after the producer's last acknowledgement; " +
            $"in the other runs it is subscribed and already fetching every partition (one primer message each, not counted) " +
            $"before the producer starts. Consume throughput is measured from the first to the last message the consumer receives; " +
            $"\"behind at end\" is how long after the last acknowledgement it received the last message. " +
            $"A fixed-rate run keeps up when its delay p99 is under {KeepUpDelayMs} ms and the consumer ends under {KeepUpDelayMs} ms behind. " +
            $"Latency: {LatencySamples} sequential `ProduceAsync` calls, one in flight, linger 0.");
        return text.ToString();
    }

    /// <summary>Produce MB/s and msg/s, the ratio to the disk's ceiling, consume MB/s and msg/s: medians of the runs.</summary>
    private static string ThroughputCells(IEnumerable<IThroughput> runs, double ddSynced)
    {
        var list = runs.ToList();
        var produceMBps = Median(list.Select(r => r.ProduceMBps).ToList());
        return string.Create(CultureInfo.InvariantCulture,
            $"{produceMBps:F0} | {Median(list.Select(r => r.ProduceMsgs).ToList()):F0} | {produceMBps / ddSynced:F2} " +
            $"| {Median(list.Select(r => r.ConsumeMBps).ToList()):F0} | {Median(list.Select(r => r.ConsumeMsgs).ToList()):F0}");
    }

    private interface IThroughput
    {
        double ProduceMBps { get; }

        double ProduceMsgs { get; }

        double ConsumeMBps { get; }

        double ConsumeMsgs { get; }
    }

    private const double KeepUpDelayMs = 100;

    private static bool KeptUp(FixedRateResult result) => result.DelayP99Ms < KeepUpDelayMs && result.BehindAtEndMs < KeepUpDelayMs;

    private static string AcksName(Acks acks) => acks == Acks.All ? "all" : "1";

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    /// <summary>The broker benchmark's own options, read from the command line next to the shared ones.</summary>
    private sealed record Options(int[] Sizes, Acks[] Acks, double RateFraction, long WarmupBytes, string Extra)
    {
        public static Options Parse(string[] commandLine, int megabytes)
        {
            var options = new CommandLine(commandLine);
            string? Value(string name) => options.Value(name);

            var extra = new StringBuilder();
            var sizesText = Value("--sizes");
            var acksText = Value("--acks");
            var fractionText = Value("--rate-fraction");
            var warmupText = Value("--warmup-megabytes");
            foreach (var (name, value) in new[]
            {
                ("--sizes", sizesText), ("--acks", acksText), ("--rate-fraction", fractionText), ("--warmup-megabytes", warmupText),
            })
            {
                if (value is not null)
                {
                    extra.Append(CultureInfo.InvariantCulture, $" {name} {value}");
                }
            }

            var sizes = (sizesText ?? "10,100,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture) * 1000).ToArray();
            var acks = (acksText ?? "1,all").Split(',').Select(a => a switch
            {
                "1" => Confluent.Kafka.Acks.Leader,
                "all" or "-1" => Confluent.Kafka.Acks.All,
                _ => throw new ArgumentException($"--acks takes 1 and/or all, not '{a}'"),
            }).ToArray();
            var fraction = double.Parse(fractionText ?? "0.5", CultureInfo.InvariantCulture);
            if (fraction is <= 0 or > 1)
            {
                throw new ArgumentException($"--rate-fraction must be in (0, 1], not {fraction}");
            }

            var warmup = warmupText is null ? Math.Min(256, megabytes / 4) : int.Parse(warmupText, CultureInfo.InvariantCulture);
            return new Options(sizes, acks, fraction, warmup * 1_000_000L, extra.ToString());
        }

        public string Describe() => Extra;
    }

    private sealed record Row(
        int Size, Acks Acks, List<IsolatedResult> Isolated, List<SaturatedResult> Saturated, double FixedRateMBps,
        List<FixedRateResult> FixedRate);

    private sealed record IsolatedResult(double ProduceMBps, double ProduceMsgs, double ConsumeMBps, double ConsumeMsgs) : IThroughput;

    private sealed record SaturatedResult(
        double ProduceMBps, double ProduceMsgs, double ConsumeMBps, double ConsumeMsgs, double BehindAtEndMs, List<double> Latencies)
        : IThroughput
    {
        public double LatencyP50Ms => Percentile(Latencies, 0.50);

        public double LatencyP99Ms => Percentile(Latencies, 0.99);
    }

    private sealed record FixedRateResult(
        double ProduceMBps, double ConsumeMBps, double DelayP50Ms, double DelayP99Ms, double DelayMaxMs, double BehindAtEndMs);
}
