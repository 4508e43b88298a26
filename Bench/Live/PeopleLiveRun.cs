using System.Diagnostics;
using System.Globalization;
using AspirePipeline.Bench.Pipeline;
using AspirePipeline.Contracts;

namespace AspirePipeline.Bench.Live;

/// <summary>
/// One run of <c>Bench people-live</c>: a fresh AppHost with the default topology (a new broker data directory, else
/// as <c>./run.sh</c> starts it); once the people group analyses frames steadily, two readings a window apart of its
/// process's CPU (<c>/proc/PID/stat</c>: utime + stime, every thread), its <c>/stats</c> counters and the producer's
/// frames of the footage camera; the group's latencies from the results topic; then the AppHost is stopped and every
/// process it ran must be gone.
/// </summary>
internal static class PeopleLiveRun
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan ServiceTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SteadyTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan SteadyPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ResultsTimeout = TimeSpan.FromSeconds(10);

    // Steady: frames analysed, and none skipped, in each of this many consecutive polls a second apart (at 5 fps, some five each).
    internal const int SteadyPolls = 5;

    public static async Task<PeopleLiveRunResult> RunAsync(string repoRoot, PeopleGroup group, TimeSpan window, TimeSpan warmup,
        Action<string> progress)
    {
        var dataDir = Path.Combine(repoRoot, ".data", "bench", $"people-live-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        var clock = Stopwatch.StartNew();
        AppHostProcess? appHost = null;
        try
        {
            appHost = await AppHostProcess.StartAsync(repoRoot, RepoLayout.Configuration, [$"--Kafka:DataDir={dataDir}"], StartTimeout);
            progress(Invariant($"  AppHost {appHost.Pid} started its resources after {clock.Elapsed.TotalSeconds:0} s (DCP {appHost.DcpPid})"));
            var result = await MeasureAsync(appHost, group, window, warmup, progress);
            var problems = await appHost.StopAsync();
            foreach (var problem in problems)
            {
                progress($"  stop: {problem}");
            }
            return result with { StopProblems = problems };
        }
        finally
        {
            if (appHost is not null)
            {
                await appHost.DisposeAsync();
            }
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException exception)
            {
                progress($"  could not remove {dataDir}: {exception.Message}");
            }
        }
    }

    private static async Task<PeopleLiveRunResult> MeasureAsync(AppHostProcess appHost, PeopleGroup group, TimeSpan window, TimeSpan warmup,
        Action<string> progress)
    {
        var people = await FindAsync(appHost, group.IsItsProcess, group.Replicas,
            $"the people group's process ({group.Replicas} with {ServiceEnvironment.ConsumerGroup.Analyzer}={PeopleGroup.Analyzer} " +
            $"and group id {group.GroupId})");
        var producer = (await FindAsync(appHost, environment => environment.ContainsKey(ServiceEnvironment.Producer.Topic), 1,
            "the producer's process"))[0];
        await Poll.UntilAsync(async () => (await Task.WhenAll(people.Select(LiveStatsClient.TryGetAsync))).All(json => json is not null),
            ServiceTimeout,
            () => $"the people group's /stats ({string.Join(", ", people.Select(p => p.BaseAddress))}) to answer. "
                + $"Its health and output are on the AppHost's dashboard; the AppHost's output:\n{appHost.Output}",
            TimeSpan.FromMilliseconds(500));
        progress($"  people group: process {string.Join(", ", people.Select(p => $"{p.Pid} at {p.BaseAddress}"))}; producer {producer.Pid}");
        var kafka = appHost.AnyProcess(environment => environment.ContainsKey(ServiceEnvironment.Broker.DataDir))
            ? "our broker"
            : "a Kafka container or cluster";
        var footage = group.Cameras.Count == 1 ? group.Cameras[0] : null;

        var connectionString = ServiceEnvironment.ConnectionString(ConnectionNames.Kafka);
        using var results = people[0].Environment.GetValueOrDefault(connectionString) is { Length: > 0 } bootstrap
            ? new ResultsCollector(bootstrap, FrameTopics.Analysis)
            : null;
        var settled = await WaitUntilSteadyAsync(appHost, people, warmup, progress);

        var start = await SnapshotAsync(people, producer, footage);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < window)
        {
            // The window is the measurement itself; the pause only spaces out the progress lines.
            await Task.Delay(Min(ProgressEvery, window - watch.Elapsed));
            var now = await SnapshotAsync(people, producer, footage);
            var seconds = Stopwatch.GetElapsedTime(start.Timestamp, now.Timestamp).TotalSeconds;
            progress(Invariant($"    {watch.Elapsed.TotalSeconds,4:0} s: analysed {now.Group.Analysed - start.Group.Analysed} ")
                + Invariant($"({(now.Group.Analysed - start.Group.Analysed) / seconds:F2} fps), ")
                + Invariant($"{(now.CpuSeconds - start.CpuSeconds) / seconds:F3} cores, skipped {now.Group.Skipped - start.Group.Skipped}"));
        }
        var end = await SnapshotAsync(people, producer, footage);

        var latencies = await LatenciesAsync(results, group, start.WallClock, end.WallClock, progress);
        return new PeopleLiveRunResult(
            WindowSeconds: Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds,
            Group: end.Group - start.Group,
            CpuSeconds: end.CpuSeconds - start.CpuSeconds,
            FootagePublished: end.FootagePublished - start.FootagePublished,
            MachineBusySeconds: end.MachineBusySeconds - start.MachineBusySeconds,
            BenchCpuSeconds: end.BenchCpuSeconds - start.BenchCpuSeconds,
            LatenciesMs: latencies,
            Instances: people.Count,
            Kafka: kafka,
            Settled: settled);
    }

    /// <summary>
    /// Until the group has analysed frames for <paramref name="warmup"/> (JIT, the group's join, the background model)
    /// and, over the last <see cref="SteadyPolls"/> seconds, analysed frames every second and skipped none: the backlog
    /// of the start (skip-to-newest passes over it) is behind it. A group that still skips when the deadline passes is
    /// measured as it is (it cannot keep up, which the figures then show); returns false then.
    /// </summary>
    private static async Task<bool> WaitUntilSteadyAsync(AppHostProcess appHost, IReadOnlyList<ServiceInstance> people, TimeSpan warmup,
        Action<string> progress)
    {
        var deadline = Stopwatch.StartNew();
        Stopwatch? flowing = null;
        var readings = new Queue<GroupFigures>();
        while (true)
        {
            var figures = await GroupAsync(people);
            readings.Enqueue(figures);
            while (readings.Count > SteadyPolls + 1)
            {
                readings.Dequeue();
            }
            if (figures.Analysed > 0)
            {
                flowing ??= Stopwatch.StartNew();
            }
            var pairs = readings.Zip(readings.Skip(1)).ToList();
            var analysing = readings.Count == SteadyPolls + 1 && pairs.All(pair => pair.Second.Analysed > pair.First.Analysed);
            var skipping = pairs.Any(pair => pair.Second.Skipped > pair.First.Skipped);
            var warm = flowing is not null && flowing.Elapsed >= warmup;
            if (warm && analysing && !skipping)
            {
                progress(Invariant($"  steady after {deadline.Elapsed.TotalSeconds:0} s: analysed {figures.Analysed}, ")
                    + Invariant($"skipped {figures.Skipped}, lag {figures.Lag}"));
                return true;
            }
            if (deadline.Elapsed > SteadyTimeout + warmup)
            {
                if (warm && analysing)
                {
                    progress(Invariant($"  still skipping frames after {deadline.Elapsed.TotalSeconds:0} s (skipped {figures.Skipped}, ")
                        + Invariant($"analysed {figures.Analysed}): measured as it is"));
                    return false;
                }
                throw new TimeoutException(Invariant($"The people group did not analyse frames steadily within ")
                    + Invariant($"{(SteadyTimeout + warmup).TotalSeconds:0} s: it analysed {figures.Analysed} frames, skipped ")
                    + Invariant($"{figures.Skipped}, {figures.Missing} missing, lag {figures.Lag}. Is the footage camera streaming ")
                    + $"(the producer's /stats, the dashboard)? The AppHost's output:\n{appHost.Output}");
            }
            await Task.Delay(SteadyPoll);
        }
    }

    /// <summary>The latencies (capture to analysed) of the group's results in the window, ascending; empty when none were read.</summary>
    private static async Task<IReadOnlyList<double>> LatenciesAsync(ResultsCollector? results, PeopleGroup group, DateTimeOffset from,
        DateTimeOffset to, Action<string> progress)
    {
        if (results is null)
        {
            progress("  no ConnectionStrings__kafka in the group's environment: latency not measured");
            return [];
        }
        bool Ours(FrameProcessing.Reporting.AnalysisRecord record) => record.Group == group.GroupId && record.Analyzer == PeopleGroup.Analyzer;
        try
        {
            // A frame analysed just before the window's end may still be on its way to the reader.
            await Poll.UntilAsync(() => results.Snapshot().Any(record => Ours(record) && record.ProcessedTimestamp >= to), ResultsTimeout,
                () => "a result of the group analysed after the window");
        }
        catch (TimeoutException)
        {
            progress(Invariant($"  no result after the window within {ResultsTimeout.TotalSeconds:0} s: latency from what was read"));
        }
        return [.. results.Between(from, to).Where(Ours).Select(record => record.LatencyMs).OfType<double>().Order()];
    }

    private static async Task<IReadOnlyList<ServiceInstance>> FindAsync(AppHostProcess appHost,
        Func<IReadOnlyDictionary<string, string>, bool> match, int count, string what)
    {
        IReadOnlyList<ServiceInstance> found = [];
        await Poll.UntilAsync(() => (found = appHost.Services(match)).Count == count, ServiceTimeout,
            () => Invariant($"{what} to run under the AppHost's orchestrator (DCP {appHost.DcpPid}); found {found.Count}. ")
                + $"Is AppHost/appsettings.json the default topology? The AppHost's output:\n{appHost.Output}",
            TimeSpan.FromMilliseconds(500));
        return found;
    }

    private static async Task<Snapshot> SnapshotAsync(IReadOnlyList<ServiceInstance> people, ServiceInstance producer, string? footage)
    {
        var group = await GroupAsync(people);
        var cpu = people.Sum(instance => ProcFs.ProcessCpuSeconds(instance.Pid)
            ?? throw new InvalidOperationException($"The people group's process {instance.Pid} exited during the run."));
        var published = footage is null ? null : ProducerCameraFigures.Published(await LiveStatsClient.GetAsync(producer), footage);
        var (machineBusy, _) = ProcFs.MachineCpuSeconds();
        return new Snapshot(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow, cpu, group, published, machineBusy,
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
    }

    private static async Task<GroupFigures> GroupAsync(IReadOnlyList<ServiceInstance> people)
    {
        var figures = default(GroupFigures);
        foreach (var instance in people)
        {
            figures += GroupFigures.Parse(await LiveStatsClient.GetAsync(instance));
        }
        return figures;
    }

    private static TimeSpan Min(TimeSpan one, TimeSpan other) => one < other ? one : other;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Snapshot(long Timestamp, DateTimeOffset WallClock, double CpuSeconds, GroupFigures Group, long? FootagePublished,
        double MachineBusySeconds, double BenchCpuSeconds);
}

/// <summary>What one run measured over its window.</summary>
internal sealed record PeopleLiveRunResult(
    double WindowSeconds,
    GroupFigures Group,
    double CpuSeconds,
    long? FootagePublished,
    double MachineBusySeconds,
    double BenchCpuSeconds,
    IReadOnlyList<double> LatenciesMs,
    int Instances,
    string Kafka,
    bool Settled)
{
    /// <summary>What stopping the AppHost had to kill (empty: every process ended by itself).</summary>
    public IReadOnlyList<string> StopProblems { get; init; } = [];

    public double AnalysedFps => Group.Analysed / WindowSeconds;

    public double Cores => CpuSeconds / WindowSeconds;

    public double CpuMsPerFrame => Group.Analysed > 0 ? CpuSeconds * 1000 / Group.Analysed : double.NaN;

    /// <summary>The service's own per-stage CPU (decode, analysis, report), thread CPU time, per analysed frame.</summary>
    public double StageMsPerFrame => Group.Analysed > 0 ? Group.StageCpuMs / Group.Analysed : double.NaN;

    public double? FootageFps => FootagePublished / WindowSeconds;

    public double SkippedPerSecond => Group.Skipped / WindowSeconds;

    public double MachineBusyCores => MachineBusySeconds / WindowSeconds;

    public double BenchCores => BenchCpuSeconds / WindowSeconds;

    public double? LatencyP50Ms => Statistics.Percentile(LatenciesMs, 0.5);

    public double? LatencyP99Ms => Statistics.Percentile(LatenciesMs, 0.99);
}
