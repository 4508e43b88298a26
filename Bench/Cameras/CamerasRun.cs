using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AspirePipeline.Bench.Infrastructure;
using AspirePipeline.Bench.Pipeline;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// One measured run with N cameras as a deployment has them: one RTSP server sending the recorded clip, ONE producer
/// process reading every camera (an ffmpeg child each), our broker, and the two consumer groups (Consumer, Consumer2)
/// as their own Release processes. After a warm-up, two snapshots a window apart give CPU and rates; then the cameras
/// stop and the groups must catch up (lag back to zero) within a deadline.
/// </summary>
internal static class CamerasRun
{
    private static readonly TimeSpan WarmupDeadline = TimeSpan.FromSeconds(CamerasRunResult.WarmupDeadlineSeconds);
    // Every topic's partitions, as in the AppHost's default topology.
    private const int Partitions = 3;

    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(20);

    // Reading a site's whole recording after the run: 20 cameras' minute is some 450 MB.
    private static readonly TimeSpan RecordingReadDeadline = TimeSpan.FromSeconds(90);

    /// <param name="repoRoot">The repository.</param>
    /// <param name="clip">The clip each camera serves.</param>
    /// <param name="codec">The camera kind (<see cref="CamerasArguments.KnownCodecs"/>).</param>
    /// <param name="cameras">How many cameras.</param>
    /// <param name="fps">Their rate.</param>
    /// <param name="window">The measured window.</param>
    /// <param name="warmup">How long every group must have processed frames before the window.</param>
    /// <param name="replicas">Consumer processes per group, splitting its partitions (the AppHost's <c>Replicas</c>).</param>
    /// <param name="progress">Progress lines.</param>
    /// <param name="groupFps">Each group's <c>FrameProcessing:Fps</c> (0: every frame).</param>
    /// <param name="site">
    /// A site's cameras: each recorded to <c>frames.video</c> and analysed at the site's rate and width; the run then
    /// reads <c>frames.video</c> and checks that the window's recording is complete. Null: the cameras are analysed
    /// at their own rate and size, and not recorded.
    /// </param>
    public static async Task<CamerasRunResult> RunAsync(string repoRoot, string clip, string codec, int cameras, int fps,
        TimeSpan window, TimeSpan warmup, int replicas, Action<string> progress, int groupFps = 0, SiteSettings? site = null)
    {
        // What the producer publishes to frames per camera, which is what the groups analyse and lag is counted in.
        var publishFps = site?.AnalysisFps ?? fps;
        var dataDir = Path.Combine(repoRoot, ".data", "bench", $"cameras-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        try
        {
            await using var broker = await BenchBroker.StartAsync(dataDir, extraArgs: ["--partitions", Invariant($"{Partitions}")]);
            var bootstrap = broker.BootstrapServers;
            await FrameTopicsAdmin.CreateAllAsync(bootstrap, Partitions);

            var server = await ClipCameraServer.StartAsync(repoRoot, clip, fps, cameras);
            var serverStopped = false;
            var consumers = new List<ServiceProcess>();
            try
            {
                var kafka = new Dictionary<string, string> { [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap };
                // Both groups a deployment runs on every camera, as AppHost/appsettings.json declares them.
                foreach (var group in ConfiguredGroups.EveryFrame(repoRoot))
                {
                    for (var replica = 0; replica < replicas; replica++)
                    {
                        consumers.Add(await ServiceProcess.StartListeningAsync(
                            group.Project, replica == 0 ? group.Name : $"{group.Name}-{replica + 1}",
                            new Dictionary<string, string>(kafka.Concat(group.Environment).Concat(groupFps > 0
                                ? [new KeyValuePair<string, string>(ServiceEnvironment.ConsumerGroup.Fps,
                                    groupFps.ToString(CultureInfo.InvariantCulture))]
                                : []))));
                    }
                }
                using var collector = new ResultsCollector(bootstrap, FrameTopics.Analysis);
                var cameraIds = Enumerable.Range(1, cameras).Select(camera => Invariant($"camera-{camera}")).ToList();
                var producerConfiguration = new Dictionary<string, string>(kafka)
                {
                    [ServiceEnvironment.Producer.Encoding] = "Jpeg",
                    [ServiceEnvironment.Producer.JpegEncoder] = CamerasArguments.JpegEncoder(codec),
                };
                for (var index = 0; index < cameras; index++)
                {
                    producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)] = cameraIds[index];
                    producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)] = server.Urls[index];
                    if (site is not null)
                    {
                        producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Record)] = "true";
                        producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Fps)] = Invariant($"{site.AnalysisFps}");
                        producerConfiguration[ServiceEnvironment.Producer.Camera(index, CameraSetting.Width)] = Invariant($"{site.AnalysisWidth}");
                    }
                }
                await using var producer = await ServiceProcess.StartListeningAsync("Producer", "producer", producerConfiguration);

                var warmupDrain = await WarmUpAsync(producer, consumers, cameras, publishFps, warmup, progress);
                var start = await SnapshotAsync(producer, broker.ProcessId, server.Pid, consumers);
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed < window)
                {
                    // The window is the measurement; the pause only spaces out the progress lines.
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, (window - watch.Elapsed).TotalSeconds)));
                    var processed = await Task.WhenAll(consumers.Select(async c => ConsumerStats.Parse(await c.GetStatsAsync()).Processed));
                    progress(Invariant($"      {watch.Elapsed.TotalSeconds,4:0} s: processed {string.Join(", ", processed)}"));
                }
                var end = await SnapshotAsync(producer, broker.ProcessId, server.Pid, consumers);

                // The cameras stop; every frame published must then be processed by every group.
                await server.DisposeAsync();
                serverStopped = true;
                var drain = Stopwatch.StartNew();
                Snapshot final;
                while (true)
                {
                    final = await SnapshotAsync(producer, broker.ProcessId, serverPid: null, consumers);
                    if (final.Consumers.All(c => c.Lag == 0) || drain.Elapsed > DrainDeadline)
                    {
                        break;
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(250));
                }
                var result = CamerasRunResult.From(codec, cameras, publishFps, start, end, final, drain.Elapsed, warmupDrain,
                    collector.Between(start.WallClock, end.WallClock));
                if (site is null)
                {
                    return result;
                }
                // A site's recording, read as the broker holds it (headers and sizes; the video is not kept), once the run
                // is over, so that reading it takes no CPU from the pipeline in the window. All the producer published is
                // read before the window's recording is judged, so that a message not read yet does not count as missing
                // (what is still not read when the deadline passes is reported). The broker's files then hold what was read.
                using var video = new VideoCollector(bootstrap, FrameTopics.Video);
                var readDeadline = Stopwatch.StartNew();
                while (video.Count + video.Unreadable < final.Recording.Published && readDeadline.Elapsed < RecordingReadDeadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250));
                }
                var recorded = video.Snapshot();
                return result with
                {
                    Recording = SiteRecordingResult.Of(fps, cameraIds, recorded, start.WallClock, end.WallClock, final.Recording, site,
                        TopicDiskBytes(dataDir, FrameTopics.Video), video.Unreadable,
                        end.Recording.SkippedBytes - start.Recording.SkippedBytes),
                };
            }
            finally
            {
                foreach (var consumer in consumers)
                {
                    await consumer.DisposeAsync();
                }
                if (!serverStopped)
                {
                    await server.DisposeAsync();
                }
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>
    /// Lag that counts as caught up: a tenth of a second of the cameras' frames, at least one per camera. A second's
    /// worth (tried first) let a 24-camera run start its window on a backlog that then showed as 997 late frames, all
    /// captured within 0.8 s of the window's start.
    /// </summary>
    public static int CaughtUpLag(int cameras, int fps) => Math.Max(cameras, cameras * fps / 10);

    /// <summary>
    /// Until every camera is connected and every group has processed frames for <paramref name="warmup"/>, then until
    /// every group has caught up (<see cref="CaughtUpLag"/>), so the window does not start on a backlog the start-up
    /// left. Returns how long the catching up took, or null when the deadline passed first (the run then reports the
    /// lag it had).
    /// </summary>
    private static async Task<TimeSpan?> WarmUpAsync(ServiceProcess producer, List<ServiceProcess> consumers, int cameras, int fps,
        TimeSpan warmup, Action<string> progress)
    {
        var deadline = Stopwatch.StartNew();
        Stopwatch? flowing = null, catchingUp = null;
        while (true)
        {
            var producerStats = ProducerFigures.Parse(await producer.GetStatsAsync());
            var stats = await Task.WhenAll(consumers.Select(async c => ConsumerStats.Parse(await c.GetStatsAsync())));
            // With replicas, each must have its partitions and be processing, or the window would start mid-rebalance.
            if (producerStats.Connected == cameras && stats.All(s => s.Processed > 0))
            {
                flowing ??= Stopwatch.StartNew();
                if (flowing.Elapsed >= warmup)
                {
                    catchingUp ??= Stopwatch.StartNew();
                    var groupLags = stats.GroupBy(s => s.Group).Select(g => g.Sum(s => s.Lag)).ToList();
                    if (groupLags.All(lag => lag <= CaughtUpLag(cameras, fps)))
                    {
                        return catchingUp.Elapsed;
                    }
                    if (deadline.Elapsed > WarmupDeadline)
                    {
                        progress(Invariant($"      not caught up after the warm-up: lag {string.Join(", ", groupLags)} ")
                            + Invariant($"after {catchingUp.Elapsed.TotalSeconds:0} s"));
                        return null;
                    }
                }
            }
            if (deadline.Elapsed > WarmupDeadline)
            {
                throw new InvalidOperationException(
                    Invariant($"{cameras} camera(s): {producerStats.Connected} connected and groups processed ")
                    + Invariant($"{string.Join(", ", stats.Select(s => $"{s.Group} {s.Processed}"))} after {WarmupDeadline.TotalSeconds:0} s. ")
                    + Invariant($"Producer output:\n{producer.Output}"));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<Snapshot> SnapshotAsync(ServiceProcess producer, int brokerPid, int? serverPid, List<ServiceProcess> consumers)
    {
        var replicaStats = new List<ConsumerStats>();
        var consumerCpu = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var consumer in consumers)
        {
            var stats = ConsumerStats.Parse(await consumer.GetStatsAsync());
            replicaStats.Add(stats);
            consumerCpu[stats.Group] = consumerCpu.GetValueOrDefault(stats.Group) + Cpu(consumer.Pid);
        }
        var consumerStats = replicaStats.GroupBy(stats => stats.Group).Select(group => ConsumerStats.Sum([.. group])).ToList();
        var producerJson = await producer.GetStatsAsync();
        var producerStats = ProducerFigures.Parse(producerJson);
        // Run-queue wait: time each process was runnable with no core free, the sign of a machine short of CPU.
        // Thread ids are unique machine-wide, so a key's threads from several processes share one dictionary.
        static IReadOnlyDictionary<int, long> Threads(IEnumerable<int> pids) =>
            pids.SelectMany(ProcFs.RunQueueWaitByThread).DistinctBy(thread => thread.Key).ToDictionary(thread => thread.Key, thread => thread.Value);
        var waits = new Dictionary<string, IReadOnlyDictionary<int, long>>(StringComparer.Ordinal)
        {
            [ProducerKey] = Threads(ProcFs.Children(producer.Pid).Select(child => child.Pid).Prepend(producer.Pid)),
            [BrokerKey] = Threads([brokerPid]),
        };
        foreach (var group in replicaStats.Select(stats => stats.Group).Distinct())
        {
            waits[group] = Threads(consumers.Where((_, index) => replicaStats[index].Group == group).Select(consumer => consumer.Pid));
        }
        var (machineBusy, _) = ProcFs.MachineCpuSeconds();
        return new Snapshot(DateTimeOffset.UtcNow, Stopwatch.GetTimestamp(), ProcessTreeCpu.ProducerSide(producer.Pid), Cpu(brokerPid),
            serverPid is { } pid ? ProcessTreeCpu.WithChildren(pid) : 0, consumerCpu, producerStats, consumerStats)
        {
            RunQueueWait = waits,
            MachineBusySeconds = machineBusy,
            BenchCpuSeconds = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            Recording = RecordingFigures.Parse(producerJson),
        };
    }

    /// <summary>The bytes of the broker's files of <paramref name="topic"/>: its partition directories <c>topic-N</c>.</summary>
    private static long TopicDiskBytes(string dataDir, string topic) => new DirectoryInfo(dataDir)
        .EnumerateDirectories(topic + "-*")
        .Where(partition => int.TryParse(partition.Name.AsSpan(topic.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        .Sum(partition => partition.EnumerateFiles("*", SearchOption.AllDirectories).Sum(file => file.Length));

    /// <summary>Keys of <see cref="Snapshot.RunQueueWait"/> beside the groups' names.</summary>
    public const string ProducerKey = "producer", BrokerKey = "broker";

    private static double Cpu(int pid) => ProcFs.ProcessCpuSeconds(pid) ?? throw new InvalidOperationException($"process {pid} is gone");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal sealed record Snapshot(
        DateTimeOffset WallClock,
        long Timestamp,
        ProducerSideCpu Producer,
        double BrokerCpu,
        double ServerCpu,
        IReadOnlyDictionary<string, double> ConsumerCpu,
        ProducerFigures ProducerStats,
        IReadOnlyList<ConsumerStats> Consumers)
    {
        /// <summary>
        /// Run-queue wait so far, nanoseconds by thread: the producer with its ffmpeg children, the broker, each group's
        /// processes.
        /// </summary>
        public IReadOnlyDictionary<string, IReadOnlyDictionary<int, long>> RunQueueWait { get; init; } =
            new Dictionary<string, IReadOnlyDictionary<int, long>>();

        /// <summary>The machine's busy CPU seconds so far, every process's (<c>/proc/stat</c>).</summary>
        public double MachineBusySeconds { get; init; }

        /// <summary>This benchmark's own CPU seconds so far (it polls the services and reads the results topic).</summary>
        public double BenchCpuSeconds { get; init; }

        /// <summary>The producer's recording figures so far (all zero when no camera is recorded).</summary>
        public RecordingFigures Recording { get; init; } = RecordingFigures.None;
    }
}

/// <summary>What the producer's <c>/stats</c> says, summed over its cameras.</summary>
internal sealed record ProducerFigures(long Captured, long Published, long Dropped, long PassedThrough, int Connected, long Encoded,
    long EncodedByFfmpeg)
{
    public static ProducerFigures Parse(JsonElement json)
    {
        long captured = 0, published = 0, dropped = 0, passedThrough = 0;
        var connected = 0;
        foreach (var camera in json.GetProperty("cameras").EnumerateArray())
        {
            captured += camera.GetProperty("captured").GetInt64();
            published += camera.GetProperty("published").GetInt64();
            dropped += camera.GetProperty("dropped").GetInt64();
            passedThrough += camera.TryGetProperty("passedThrough", out var passed) ? passed.GetInt64() : 0;
            connected += camera.GetProperty("connected").GetBoolean() ? 1 : 0;
        }
        long StageFrames(string name) => json.GetProperty("stages").EnumerateArray()
            .Where(stage => stage.GetProperty("name").GetString() == name)
            .Select(stage => stage.GetProperty("frames").GetInt64()).FirstOrDefault();
        // JPEGs that arrived ready are the camera's own (passed through) or ffmpeg's.
        return new ProducerFigures(captured, published, dropped, passedThrough, connected, StageFrames(StageNames.Encode),
            StageFrames(StageNames.JpegCheck) - passedThrough);
    }
}
