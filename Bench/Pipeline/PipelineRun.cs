using System.Diagnostics;
using System.Globalization;
using AspirePipeline.Bench.Infrastructure;
using AspirePipeline.Contracts;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>
/// One measured run: a fresh broker, the camera, the producer and one consumer process per group, all from their
/// Release builds; after a warm-up, two snapshots a fixed window apart (CPU from /proc, stage CPU and counters from the
/// services' <c>/stats</c>, latencies from the results topic) give the run's figures.
/// </summary>
internal static class PipelineRun
{
    // Seed JSON at 1080p is ~11 MB a frame: every hop must accept it (Kafka's default is 1 MiB).
    private const int MessageMaxBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan WarmupDeadline = TimeSpan.FromSeconds(120);

    public static async Task<RunResult> RunAsync(string repoRoot, PipelineScenario scenario, int groups, TimeSpan window,
        TimeSpan warmup, Action<string> progress)
    {
        var configured = ConfiguredGroups.EveryFrame(repoRoot);
        if (groups < 1 || groups > configured.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups,
                $"1..{configured.Count} consumer groups " +
                $"(those of AppHost/appsettings.json that analyse every camera: {string.Join(", ", configured.Select(g => g.Name))}).");
        }

        var dataDir = Path.Combine(repoRoot, ".data", "bench", $"pipeline-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        try
        {
            await using var broker = await BenchBroker.StartAsync(dataDir, MessageMaxBytes, "--partitions", "3");
            var bootstrap = broker.BootstrapServers;
            await FrameTopicsAdmin.CreateAllAsync(bootstrap, partitions: 3, MessageMaxBytes);

            await using var camera = scenario.Replayed
                ? null
                : await CameraSimulator.StartAsync(repoRoot, scenario.Width, scenario.Height, scenario.Fps);

            var kafka = new Dictionary<string, string>
            {
                [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap,
                ["Aspire__Confluent__Kafka__Producer__Config__MessageMaxBytes"] = Invariant(MessageMaxBytes),
                ["Aspire__Confluent__Kafka__Consumer__Config__MaxPartitionFetchBytes"] = Invariant(MessageMaxBytes),
                ["Aspire__Confluent__Kafka__Consumer__Config__FetchMaxBytes"] = Invariant(4 * MessageMaxBytes),
            };
            var consumers = new List<ServiceProcess>();
            try
            {
                foreach (var group in configured.Take(groups))
                {
                    consumers.Add(await ServiceProcess.StartListeningAsync(group.Project, group.Name,
                        new Dictionary<string, string>(kafka.Concat(group.Environment))));
                }
                using var collector = new ResultsCollector(bootstrap, FrameTopics.Analysis);
                var producerConfiguration = new Dictionary<string, string>(kafka)
                {
                    [ServiceEnvironment.Producer.Encoding] = scenario.Encoding.ToString(),
                };
                for (var index = 0; index < scenario.Cameras; index++)
                {
                    producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)] = $"camera-{index + 1}";
                    producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)] =
                        scenario.ClipPath ?? camera!.Url;
                    if (scenario.Replayed)
                    {
                        // A replayed file is paced at this rate, or read as fast as it decodes when that is slower. (For
                        // the live camera it would add an fps filter to ffmpeg: the camera paces itself.)
                        producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Fps)] = Invariant(scenario.Fps);
                    }
                }
                await using var producer = await ServiceProcess.StartListeningAsync("Producer", "producer", producerConfiguration);

                await WarmUpAsync(producer, consumers, scenario, warmup, progress);
                var start = await SnapshotAsync(producer, broker.ProcessId, consumers, dataDir);
                var windowWatch = Stopwatch.StartNew();
                while (windowWatch.Elapsed < window)
                {
                    // The window is the measurement itself; the pause only spaces out the progress lines.
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, (window - windowWatch.Elapsed).TotalSeconds)));
                    var processed = await Task.WhenAll(consumers.Select(async c => ConsumerStats.Parse(await c.GetStatsAsync()).Processed));
                    progress($"    {windowWatch.Elapsed.TotalSeconds,4:0} s: processed {string.Join(", ", processed)}");
                }
                var end = await SnapshotAsync(producer, broker.ProcessId, consumers, dataDir);
                // Results of frames processed just before the end snapshot may still be on their way.
                await Task.Delay(TimeSpan.FromSeconds(1));
                return RunResult.From(scenario, start, end, collector.Between(start.WallClock, end.WallClock));
            }
            finally
            {
                foreach (var consumer in consumers)
                {
                    await consumer.DisposeAsync();
                }
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Until every group has processed frames for <paramref name="warmup"/> (JIT, group join, caches).</summary>
    private static async Task WarmUpAsync(ServiceProcess producer, List<ServiceProcess> consumers, PipelineScenario scenario,
        TimeSpan warmup, Action<string> progress)
    {
        var deadline = Stopwatch.StartNew();
        Stopwatch? flowing = null;
        while (true)
        {
            var stats = await Task.WhenAll(consumers.Select(async c => ConsumerStats.Parse(await c.GetStatsAsync())));
            if (stats.All(s => s.Processed > 0))
            {
                flowing ??= Stopwatch.StartNew();
                if (flowing.Elapsed >= warmup)
                {
                    return;
                }
            }
            if (deadline.Elapsed > WarmupDeadline)
            {
                var producerStats = ProducerStats.Parse(await producer.GetStatsAsync());
                throw new InvalidOperationException(
                    $"{scenario}: frames did not reach every group within {WarmupDeadline.TotalSeconds:0} s (producer published "
                    + $"{producerStats.Published}, groups processed {string.Join(", ", stats.Select(s => $"{s.Group} {s.Processed}"))}). "
                    + $"Producer output:\n{producer.Output}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<Snapshot> SnapshotAsync(ServiceProcess producer, int brokerPid, List<ServiceProcess> consumers, string dataDir)
    {
        var ffmpeg = ProcFs.Children(producer.Pid).Where(child => child.Name == "ffmpeg").Select(child => (int?)child.Pid).FirstOrDefault();
        var processes = new Dictionary<string, ProcessSample>(StringComparer.Ordinal)
        {
            [Roles.Producer] = ProcessSample.Take(producer.Pid),
            [Roles.Broker] = ProcessSample.Take(brokerPid),
        };
        if (ffmpeg is { } ffmpegPid)
        {
            processes[Roles.Ffmpeg] = ProcessSample.Take(ffmpegPid);
        }
        var consumerStats = new List<ConsumerStats>();
        foreach (var consumer in consumers)
        {
            var stats = ConsumerStats.Parse(await consumer.GetStatsAsync());
            consumerStats.Add(stats);
            processes[Roles.Consumer(stats.Group)] = ProcessSample.Take(consumer.Pid);
        }
        var producerStats = ProducerStats.Parse(await producer.GetStatsAsync());
        return new Snapshot(DateTimeOffset.UtcNow, Stopwatch.GetTimestamp(), processes, producerStats, consumerStats,
            FramesTopicBytes(dataDir), ffmpeg);
    }

    private static long FramesTopicBytes(string dataDir) =>
        Directory.EnumerateDirectories(dataDir, $"{FrameTopics.Frames}-*")
            .Where(directory => int.TryParse(Path.GetFileName(directory)[(FrameTopics.Frames.Length + 1)..], out _))
            .SelectMany(directory => Directory.EnumerateFiles(directory, "*.log"))
            .Sum(file => new FileInfo(file).Length);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

internal static class Roles
{
    public const string Producer = "producer";
    public const string Ffmpeg = "ffmpeg";
    public const string Broker = "broker";

    public static string Consumer(string group) => $"consumer {group}";
}

/// <summary>A process's CPU seconds, its threads' CPU by name and its peak memory at one instant.</summary>
internal sealed record ProcessSample(int Pid, double CpuSeconds, IReadOnlyDictionary<string, double> Threads, long PeakResidentBytes)
{
    public static ProcessSample Take(int pid) => new(pid,
        ProcFs.ProcessCpuSeconds(pid) ?? throw new InvalidOperationException($"process {pid} is gone"),
        ProcFs.ThreadCpuSeconds(pid), ProcFs.PeakResidentBytes(pid) ?? 0);

    /// <summary>CPU seconds of threads whose name matches, between two samples of the same process.</summary>
    public static double ThreadsBetween(ProcessSample start, ProcessSample end, Func<string, bool> name) =>
        end.Threads.Where(t => name(t.Key)).Sum(t => t.Value) - start.Threads.Where(t => name(t.Key)).Sum(t => t.Value);
}

internal sealed record Snapshot(
    DateTimeOffset WallClock,
    long Timestamp,
    IReadOnlyDictionary<string, ProcessSample> Processes,
    ProducerStats Producer,
    IReadOnlyList<ConsumerStats> Consumers,
    long FramesTopicBytes,
    int? FfmpegPid);
