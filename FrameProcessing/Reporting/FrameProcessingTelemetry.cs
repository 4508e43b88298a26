using System.Collections.Concurrent;
using System.Diagnostics;
using AspirePipeline.FrameProcessing.Analysis;
using System.Diagnostics.Metrics;
using AspirePipeline.Frames.Diagnostics;

namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>
/// The consumers' ActivitySource and Meter. Both consumer services share the names; the consumer group tells them
/// apart (tag <c>messaging.consumer.group.name</c>).
/// </summary>
public sealed class FrameProcessingTelemetry
{
    public const string ComponentName = "AspirePipeline.Consumer";

    public const string FramesProcessed = "consumer.frames.processed";
    public const string ProcessingDuration = "consumer.frames.processing.duration";
    public const string CaptureToProcessedLatency = "consumer.frames.latency";
    public const string PoisonMessages = "consumer.poison_messages";
    public const string FramesSkipped = "consumer.frames.skipped";
    public const string FramesSampledOut = "consumer.frames.sampled_out";
    public const string SequenceGaps = "consumer.frames.sequence_gaps";
    public const string FramesRepeated = "consumer.frames.repeated";
    public const string AnalysisValue = "consumer.analysis.value";
    public const string Lag = "consumer.lag";
    public const string StageCpuTime = "consumer.stage.cpu_time";
    public const string EventsPublished = "consumer.events";
    public const string LineCrossings = "consumer.line.crossings";
    public const string ZoneOccupancy = "consumer.zone.occupancy";

    /// <summary><c>FrameDecoder.Decode</c>: payload to image.</summary>
    public const string DecodeStage = "decode";

    /// <summary>The analyzer (mean intensity, motion, people).</summary>
    public const string AnalysisStage = "analysis";

    /// <summary>Everything after analysis: statistics, metrics, logging, the result record, live view, offset store.</summary>
    public const string ReportStage = "report";

    public const string GroupTag = "messaging.consumer.group.name";
    public const string AnalyzerTag = "analyzer";
    public const string ReasonTag = "reason";
    public const string CameraTag = "camera.id";
    public const string PartitionTag = "messaging.kafka.destination.partition";
    public const string StageTag = "stage";
    public const string EventTypeTag = "event.type";
    public const string ZoneTag = "zone";
    public const string LineTag = "line";
    public const string DirectionTag = "direction";

    /// <summary>Shared by both services; <see cref="ActivitySource"/> is safe to share across hosts in one process.</summary>
    public static readonly ActivitySource ActivitySource = new(ComponentName);

    private readonly Counter<long> _processed;
    private readonly Histogram<double> _processingDuration;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _poison;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _sampledOut;
    private readonly Counter<long> _gaps;
    private readonly Counter<long> _repeated;
    private readonly Counter<long> _events;
    private readonly Counter<long> _crossings;
    // The latest occupancy per camera and zone, read by the gauge on the metrics thread.
    private readonly ConcurrentDictionary<(string Camera, string Zone), int> _occupancy = new();
    // The latest scene per camera, read by the live view's /stats.
    private readonly ConcurrentDictionary<string, SceneState> _scenes = new(StringComparer.Ordinal);
    private readonly KeyValuePair<string, object?> _group;

    public FrameProcessingTelemetry(IMeterFactory meterFactory, ConsumerIdentity identity, ProcessingStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(statistics);

        _group = new(GroupTag, identity.GroupId);
        var meter = meterFactory.Create(ComponentName);
        _processed = meter.CreateCounter<long>(FramesProcessed, "{frame}", "Frames decoded and analysed.");
        _processingDuration = meter.CreateHistogram<double>(ProcessingDuration, "ms",
            "Time to decode and analyse one frame.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] });
        _latency = meter.CreateHistogram<double>(CaptureToProcessedLatency, "ms",
            "Time from capture at the camera to the end of analysis.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000] });
        _poison = meter.CreateCounter<long>(PoisonMessages, "{message}",
            "Messages that were not valid frames, sent to the dead-letter topic.");
        _skipped = meter.CreateCounter<long>(FramesSkipped, "{frame}",
            "Frames passed over by skipping to the newest frame when lagging.");
        _sampledOut = meter.CreateCounter<long>(FramesSampledOut, "{frame}",
            "Frames left out, undecoded, by the group's analysis rate (FrameProcessing:Fps).");

        _gaps = meter.CreateCounter<long>(SequenceGaps, "{frame}",
            "Frames missing between consecutive sequence numbers of a camera as this process saw them, " +
            "not counting those the group's rate, skip-to-newest or another member explains.");
        _repeated = meter.CreateCounter<long>(FramesRepeated, "{frame}",
            "Frames whose sequence number this process had already passed (redelivery or a restarted producer).");

        _events = meter.CreateCounter<long>(EventsPublished, "{event}",
            "Events derived from the frames (e.g. person-appeared, person-left), by type.");

        _crossings = meter.CreateCounter<long>(LineCrossings, "{crossing}",
            "Tracked objects crossing a camera's counting line (Cameras:{id}:Lines), by camera, line and direction (in, out).");
        meter.CreateObservableGauge(ZoneOccupancy, () => _occupancy.Select(pair =>
                new Measurement<int>(pair.Value, _group, new(CameraTag, pair.Key.Camera), new(ZoneTag, pair.Key.Zone))),
            unit: "{object}", description: "Tracked objects in each of a camera's zones (Cameras:{id}:Zones) now.");

        var analyzer = new KeyValuePair<string, object?>(AnalyzerTag, identity.Analyzer);
        meter.CreateObservableGauge(AnalysisValue, () => statistics.LatestValues().Select(latest =>
                new Measurement<double>(latest.Value, _group, analyzer, new(CameraTag, latest.Key))),
            unit: null, description: "Latest analysis value per camera (mean intensity 0-255, motion fraction 0-1 or people in view).");
        meter.CreateObservableGauge(Lag, () => statistics.PartitionLags().Select(lag =>
                new Measurement<long>(lag.Value, _group, new(PartitionTag, lag.Key))),
            unit: "{message}", description: "Messages between the last consumed frame and the partition's high watermark.");

        Stages = new StageCpuAccounting(DecodeStage, AnalysisStage, ReportStage);
        Decode = Stages[DecodeStage];
        Analysis = Stages[AnalysisStage];
        Report = Stages[ReportStage];
        // Cumulative, so a dashboard charts its rate: CPU seconds per second spent in each stage.
        meter.CreateObservableCounter(StageCpuTime, () => Stages.Stages.Select(stage =>
                new Measurement<double>(stage.CpuSeconds, _group, new(StageTag, stage.Name))),
            unit: "s", description: "CPU time of the frames' pass through each stage (decode, analysis, report) on the processing thread.");
    }

    /// <summary>Per-stage CPU accounting of frame processing; fetching runs in librdkafka's threads and is not in it.</summary>
    public StageCpuAccounting Stages { get; }

    public CpuStage Decode { get; }

    public CpuStage Analysis { get; }

    public CpuStage Report { get; }

    public void RecordProcessed(double processingMs, double? latencyMs)
    {
        _processed.Add(1, _group);
        _processingDuration.Record(processingMs, _group);
        if (latencyMs is { } latency)
        {
            _latency.Record(latency, _group);
        }
    }

    public void RecordPoison(string reason) => _poison.Add(1, _group, new(ReasonTag, reason));

    public void RecordSkipped(long frames) => _skipped.Add(frames, _group);

    public void RecordSampledOut() => _sampledOut.Add(1, _group);

    public void RecordSequenceGap(long frames) => _gaps.Add(frames, _group);

    public void RecordRepeated() => _repeated.Add(1, _group);

    public void RecordEvent(string cameraId, AnalysisEvent frameEvent)
    {
        _events.Add(1, _group, new(EventTypeTag, frameEvent.Type));
        if (frameEvent is { Line: { } line, Direction: { } direction })
        {
            _crossings.Add(1, _group, new(CameraTag, cameraId), new(LineTag, line), new(DirectionTag, direction));
        }
    }

    /// <summary>The latest scene of each camera a tracked analysis saw (tracks, zone occupancy, line counts).</summary>
    public IEnumerable<KeyValuePair<string, SceneState>> LatestScenes => _scenes;

    /// <summary>
    /// The zone occupancy a tracked analysis of <paramref name="cameraId"/> left, for the gauge, and its scene, for
    /// <see cref="LatestScenes"/>.
    /// </summary>
    public void RecordScene(string cameraId, FrameAnalysis analysis)
    {
        if (analysis.Scene is { } scene)
        {
            _scenes[cameraId] = scene;
        }
        foreach (var zone in analysis.Scene?.Zones ?? [])
        {
            _occupancy[(cameraId, zone.Zone)] = zone.Count;
        }
    }
}
