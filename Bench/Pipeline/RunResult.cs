using System.Diagnostics;
using AspirePipeline.FrameProcessing.Reporting;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>One group's figures in a run.</summary>
internal sealed record GroupResult(string Group, double Fps, double? LatencyP50Ms, double? LatencyP95Ms, double? LatencyP99Ms,
    long Missing, long Skipped, long LagAtEnd, long PeakResidentBytes);

/// <summary>CPU milliseconds per frame of one stage; <see cref="Group"/> is null for the producer side and the broker.</summary>
internal sealed record StageCost(string Stage, string? Group, double MsPerFrame);

/// <summary>The figures of one measured window.</summary>
internal sealed record RunResult(
    PipelineScenario Scenario,
    double WindowSeconds,
    double CapturedFps,
    double PublishedFps,
    long Dropped,
    double BytesPerFrame,
    IReadOnlyList<GroupResult> Groups,
    IReadOnlyList<StageCost> Stages,
    double CpuMsPerFrame,
    double Cores,
    IReadOnlyDictionary<string, long> PeakResidentBytes,
    bool FfmpegRestarted)
{
    public static RunResult From(PipelineScenario scenario, Snapshot start, Snapshot end, IReadOnlyList<AnalysisRecord> frames)
    {
        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var captured = end.Producer.Captured - start.Producer.Captured;
        var published = end.Producer.Published - start.Producer.Published;
        var perPublished = published > 0 ? 1000.0 / published : double.NaN;
        var stages = new List<StageCost>();

        double Cpu(string role) =>
            end.Processes.TryGetValue(role, out var e) && start.Processes.TryGetValue(role, out var s) ? e.CpuSeconds - s.CpuSeconds : 0;
        double Threads(string role, Func<string, bool> name) =>
            end.Processes.TryGetValue(role, out var e) && start.Processes.TryGetValue(role, out var s) ? ProcessSample.ThreadsBetween(s, e, name) : 0;
        double StageMs(IReadOnlyDictionary<string, StageTotal> from, IReadOnlyDictionary<string, StageTotal> to, string stage) =>
            to.TryGetValue(stage, out var e) && from.TryGetValue(stage, out var s) ? (e - s).CpuMs : 0;

        // Producer side, per published frame. ffmpeg is the capture stage: it decodes the camera's H.264 and, with
        // Producer:JpegEncoder=Ffmpeg (the default), encodes the JPEG too; the producer then only checks it.
        var ffmpegRestarted = start.FfmpegPid != end.FfmpegPid;
        var ffmpegSeconds = ffmpegRestarted ? 0 : Cpu(Roles.Ffmpeg);
        var producerSeconds = Cpu(Roles.Producer);
        var encodeMs = StageMs(start.Producer.Stages, end.Producer.Stages, StageNames.Encode)
            + StageMs(start.Producer.Stages, end.Producer.Stages, StageNames.JpegCheck);
        var produceCallMs = StageMs(start.Producer.Stages, end.Producer.Stages, StageNames.Publish);
        var producerKafkaSeconds = Threads(Roles.Producer, IsKafkaClientThread);
        var producerGcSeconds = Threads(Roles.Producer, IsGcThread);
        if (!scenario.Replayed)
        {
            stages.Add(new StageCost("capture: ffmpeg decodes the camera (and encodes the JPEG)", null, ffmpegSeconds * perPublished));
        }
        stages.Add(new StageCost("encode or JPEG check (+ message building)", null, encodeMs * perPublished / 1000));
        stages.Add(new StageCost("publish: Produce call", null, produceCallMs * perPublished / 1000));
        stages.Add(new StageCost("publish: Kafka client threads", null, producerKafkaSeconds * perPublished));
        stages.Add(new StageCost("producer GC", null, producerGcSeconds * perPublished));
        stages.Add(new StageCost(
            scenario.Replayed ? "producer other (OpenCV decodes the recording, runtime)" : "producer other (pipe read, runtime)", null,
            Math.Max(0, producerSeconds * 1000 - encodeMs - produceCallMs - (producerKafkaSeconds + producerGcSeconds) * 1000)
                * perPublished / 1000));
        stages.Add(new StageCost("broker", null, Cpu(Roles.Broker) * perPublished));

        var groups = new List<GroupResult>();
        var totalMsPerFrame = (ffmpegSeconds + producerSeconds + Cpu(Roles.Broker)) * perPublished;
        foreach (var consumerEnd in end.Consumers)
        {
            var consumerStart = start.Consumers.Single(c => c.Group == consumerEnd.Group);
            var role = Roles.Consumer(consumerEnd.Group);
            var processed = consumerEnd.Processed - consumerStart.Processed;
            var perProcessed = processed > 0 ? 1.0 / processed : double.NaN;
            var decodeMs = StageMs(consumerStart.Stages, consumerEnd.Stages, StageNames.Decode);
            var analysisMs = StageMs(consumerStart.Stages, consumerEnd.Stages, StageNames.Analysis);
            var reportMs = StageMs(consumerStart.Stages, consumerEnd.Stages, StageNames.Report);
            var fetchSeconds = Threads(role, name => IsKafkaClientThread(name) || name == "kafka-consume");
            var gcSeconds = Threads(role, IsGcThread);
            var consumerSeconds = Cpu(role);
            stages.Add(new StageCost("fetch: Kafka client + consume thread", consumerEnd.Group, fetchSeconds * 1000 * perProcessed));
            stages.Add(new StageCost("decode", consumerEnd.Group, decodeMs * perProcessed));
            stages.Add(new StageCost("analysis", consumerEnd.Group, analysisMs * perProcessed));
            stages.Add(new StageCost("report (stats, results topic, offsets)", consumerEnd.Group, reportMs * perProcessed));
            stages.Add(new StageCost("consumer GC", consumerEnd.Group, gcSeconds * 1000 * perProcessed));
            stages.Add(new StageCost("consumer other (runtime)", consumerEnd.Group,
                Math.Max(0, consumerSeconds * 1000 - decodeMs - analysisMs - reportMs - (fetchSeconds + gcSeconds) * 1000) * perProcessed));
            totalMsPerFrame += consumerSeconds * 1000 * perProcessed;

            var latencies = frames.Where(f => f.Group == consumerEnd.Group && f.LatencyMs is not null)
                .Select(f => f.LatencyMs!.Value).Order().ToList();
            groups.Add(new GroupResult(consumerEnd.Group, processed / seconds,
                Statistics.Percentile(latencies, 0.50), Statistics.Percentile(latencies, 0.95), Statistics.Percentile(latencies, 0.99),
                consumerEnd.Missing - consumerStart.Missing, consumerEnd.Skipped - consumerStart.Skipped, consumerEnd.Lag,
                end.Processes[role].PeakResidentBytes));
        }

        var cpuSeconds = end.Processes.Keys.Where(role => role != Roles.Ffmpeg || !ffmpegRestarted).Sum(Cpu);
        return new RunResult(scenario, seconds, captured / seconds, published / seconds,
            end.Producer.Dropped - start.Producer.Dropped,
            published > 0 ? (double)(end.FramesTopicBytes - start.FramesTopicBytes) / published : double.NaN,
            groups, stages, totalMsPerFrame, cpuSeconds / seconds,
            end.Processes.ToDictionary(p => p.Key, p => p.Value.PeakResidentBytes), ffmpegRestarted);
    }

    private static bool IsKafkaClientThread(string name) => name.StartsWith("rdk:", StringComparison.Ordinal);

    // .NET names its collector threads ".NET Server GC" and ".NET BGC" (background GC).
    private static bool IsGcThread(string name) => name.StartsWith(".NET", StringComparison.Ordinal) && name.Contains("GC", StringComparison.Ordinal);
}

internal static class Statistics
{
    /// <summary>Nearest-rank percentile of an ascending list; null when empty.</summary>
    public static double? Percentile(IReadOnlyList<double> ascending, double fraction) =>
        ascending.Count == 0 ? null : ascending[Math.Clamp((int)Math.Ceiling(fraction * ascending.Count) - 1, 0, ascending.Count - 1)];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
