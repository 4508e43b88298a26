using System.Diagnostics;
using System.Globalization;
using AspirePipeline.Bench.Pipeline;
using AspirePipeline.FrameProcessing.Reporting;

namespace AspirePipeline.Bench.Cameras;

/// <summary>One group's figures in a cameras run.</summary>
internal sealed record CameraGroupResult(string Group, double Fps, double? LatencyP50Ms, double? LatencyP99Ms, long Missing,
    long Skipped, long LagAtWindowEnd, long LagAfterDrain, double CpuMsPerFrame, LateFrames? Late = null)
{
    /// <summary>Milliseconds per second the group's processes waited on the run queue in the window.</summary>
    public double RunQueueWaitMsPerSecond { get; init; }

    /// <summary>Where the group's lag was at the window's end (librdkafka's statistics, up to a second old).</summary>
    public FetchFigures FetchAtWindowEnd { get; init; }

    /// <summary>Fetch requests a second the group sent in the window.</summary>
    public double FetchesPerSecond { get; init; }
}

/// <summary>
/// The frames of one group that took <see cref="CamerasRunResult.MaxP99Ms"/> or longer: when they were captured
/// (seconds into the window), from how many cameras, and the worst. Spans that match across groups point upstream
/// of the consumers (a producer or broker stall); a span in one group only, at that group.
/// </summary>
internal sealed record LateFrames(int Count, double FirstSeconds, double LastSeconds, int Cameras, double WorstMs)
{
    public static LateFrames? Of(IEnumerable<AnalysisRecord> frames, DateTimeOffset windowStart)
    {
        var late = frames.Where(f => f is { LatencyMs: >= CamerasRunResult.MaxP99Ms, CaptureTimestamp: not null }).ToList();
        return late.Count == 0 ? null : new LateFrames(late.Count,
            (late.Min(f => f.CaptureTimestamp!.Value) - windowStart).TotalSeconds,
            (late.Max(f => f.CaptureTimestamp!.Value) - windowStart).TotalSeconds,
            late.Select(f => f.Camera).Distinct().Count(), late.Max(f => f.LatencyMs!.Value));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Count} frames ≥ {CamerasRunResult.MaxP99Ms:0} ms captured {FirstSeconds:F1}-{LastSeconds:F1} s into the window " +
        $"from {Cameras} cameras, worst {WorstMs:F0} ms");
}

/// <summary>
/// The figures of one run with <see cref="Cameras"/> cameras; <see cref="PublishFps"/> is what the producer publishes
/// to <c>frames</c> per camera (the cameras' rate, or a site's analysis rate), which the analyses are judged against.
/// </summary>
internal sealed record CamerasRunResult(
    string Codec,
    int Cameras,
    int PublishFps,
    double WindowSeconds,
    double PublishedFps,
    long Dropped,
    long PassedThrough,
    long Encoded,
    long EncodedByFfmpeg,
    IReadOnlyList<CameraGroupResult> Groups,
    double ProducerMsPerFrame,
    double FfmpegMsPerFrame,
    double BrokerMsPerFrame,
    double TotalMsPerFrame,
    double Cores,
    double ServerCores,
    double DrainSeconds)
{
    /// <summary>How long the groups took to catch up after the warm-up (null: not within its deadline).</summary>
    public double? WarmupDrainSeconds { get; init; }

    /// <summary>Cores the whole machine was busy in the window (every process's, from /proc/stat).</summary>
    public double MachineCores { get; init; }

    /// <summary>Cores of processes that are neither the pipeline, the camera server nor this benchmark.</summary>
    public double OtherCores { get; init; }

    /// <summary>Cores this benchmark used itself (polling the services, reading every result).</summary>
    public double BenchCores { get; init; }

    /// <summary>Run-queue wait in the window, ms a second: the producer with its ffmpeg children, and the broker.</summary>
    public double ProducerRunQueueMsPerSecond { get; init; }

    /// <summary>The broker's run-queue wait in the window, ms a second.</summary>
    public double BrokerRunQueueMsPerSecond { get; init; }

    /// <summary>A site's recording (null when the cameras were not recorded): complete, or why not.</summary>
    public SiteRecordingResult? Recording { get; init; }

    /// <summary>How long a run's warm-up (flowing, then caught up) may take at the most.</summary>
    public const double WarmupDeadlineSeconds = 120;

    /// <summary>Capture to processed, per frame, that a clean run must stay under in every group.</summary>
    public const double MaxP99Ms = 100;

    /// <summary>Below this share of the cameras' rate, frames were lost before the producer counted them.</summary>
    private const double MinRateShare = 0.95;

    /// <summary>Why the run does not count as carried (empty when it does).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            var problems = new List<string>();
            if (WarmupDrainSeconds is null)
            {
                problems.Add("the groups had not caught up when the warm-up's deadline passed");
            }
            if (PublishedFps < MinRateShare * Cameras * PublishFps)
            {
                problems.Add(Invariant($"published {PublishedFps:F1} fps of {Cameras * PublishFps}"));
            }
            if (Dropped > 0)
            {
                problems.Add(Invariant($"{Dropped} dropped"));
            }
            foreach (var group in Groups)
            {
                if (group.Missing > 0 || group.Skipped > 0)
                {
                    problems.Add(Invariant($"{group.Group}: {group.Missing} missing, {group.Skipped} skipped"));
                }
                if (group.LatencyP99Ms is not { } p99 || p99 >= MaxP99Ms)
                {
                    var p99Text = group.LatencyP99Ms?.ToString("F0", CultureInfo.InvariantCulture) ?? "none";
                    problems.Add(Invariant($"{group.Group}: p99 {p99Text} ms{(group.Late is { } late ? $" ({late})" : "")}"));
                }
                if (group.LagAfterDrain > 0)
                {
                    problems.Add(Invariant($"{group.Group}: lag {group.LagAfterDrain} after the cameras stopped"));
                }
            }
            problems.AddRange(Recording?.Problems ?? []);
            return problems;
        }
    }

    public bool IsClean => Problems.Count == 0;

    public static CamerasRunResult From(string codec, int cameras, int publishFps, CamerasRun.Snapshot start, CamerasRun.Snapshot end,
        CamerasRun.Snapshot final, TimeSpan drain, TimeSpan? warmupDrain, IReadOnlyList<AnalysisRecord> frames)
    {
        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var published = end.ProducerStats.Published - start.ProducerStats.Published;
        var perPublishedMs = published > 0 ? 1000.0 / published : double.NaN;
        var producer = end.Producer - start.Producer;
        var broker = end.BrokerCpu - start.BrokerCpu;
        var total = (producer.OwnSeconds + producer.FfmpegSeconds + broker) * perPublishedMs;
        var cpuSeconds = producer.OwnSeconds + producer.FfmpegSeconds + broker;

        // Late frames are placed in time from the window's start, not from the earliest frame processed in it: a
        // backlog left from before the window shows as frames captured before it (negative seconds).
        var windowStart = start.WallClock;
        double WaitMsPerSecond(string process) =>
            ProcFs.RunQueueWaitSecondsBetween(start.RunQueueWait.GetValueOrDefault(process) ?? new Dictionary<int, long>(),
                end.RunQueueWait.GetValueOrDefault(process) ?? new Dictionary<int, long>()) * 1000 / seconds;
        var groups = new List<CameraGroupResult>();
        foreach (var atEnd in end.Consumers)
        {
            var atStart = start.Consumers.Single(c => c.Group == atEnd.Group);
            var afterDrain = final.Consumers.Single(c => c.Group == atEnd.Group);
            var processed = atEnd.Processed - atStart.Processed;
            var cpu = end.ConsumerCpu[atEnd.Group] - start.ConsumerCpu[atEnd.Group];
            var msPerFrame = processed > 0 ? cpu * 1000 / processed : double.NaN;
            total += msPerFrame;
            cpuSeconds += cpu;
            var latencies = frames.Where(f => f.Group == atEnd.Group && f.LatencyMs is not null).Select(f => f.LatencyMs!.Value).Order().ToList();
            groups.Add(new CameraGroupResult(atEnd.Group, processed / seconds, Statistics.Percentile(latencies, 0.50),
                Statistics.Percentile(latencies, 0.99), afterDrain.Missing - atStart.Missing, afterDrain.Skipped - atStart.Skipped,
                atEnd.Lag, afterDrain.Lag, msPerFrame, LateFrames.Of(frames.Where(f => f.Group == atEnd.Group), windowStart))
            {
                RunQueueWaitMsPerSecond = WaitMsPerSecond(atEnd.Group),
                FetchAtWindowEnd = atEnd.Fetch,
                FetchesPerSecond = (atEnd.Fetch.FetchRequests - atStart.Fetch.FetchRequests) / seconds,
            });
        }

        var serverCores = (end.ServerCpu - start.ServerCpu) / seconds;
        var machineCores = (end.MachineBusySeconds - start.MachineBusySeconds) / seconds;
        var benchCores = (end.BenchCpuSeconds - start.BenchCpuSeconds) / seconds;
        return new CamerasRunResult(codec, cameras, publishFps, seconds, published / seconds,
            final.ProducerStats.Dropped - start.ProducerStats.Dropped,
            end.ProducerStats.PassedThrough - start.ProducerStats.PassedThrough,
            end.ProducerStats.Encoded - start.ProducerStats.Encoded,
            end.ProducerStats.EncodedByFfmpeg - start.ProducerStats.EncodedByFfmpeg,
            groups, producer.OwnSeconds * perPublishedMs, producer.FfmpegSeconds * perPublishedMs, broker * perPublishedMs, total,
            cpuSeconds / seconds, serverCores, drain.TotalSeconds)
        {
            WarmupDrainSeconds = warmupDrain?.TotalSeconds,
            MachineCores = machineCores,
            OtherCores = Math.Max(0, machineCores - cpuSeconds / seconds - serverCores - benchCores),
            BenchCores = benchCores,
            ProducerRunQueueMsPerSecond = WaitMsPerSecond(CamerasRun.ProducerKey),
            BrokerRunQueueMsPerSecond = WaitMsPerSecond(CamerasRun.BrokerKey),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
