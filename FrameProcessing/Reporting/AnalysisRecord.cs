using System.Text.Json;
using System.Text.Json.Serialization;
using AspirePipeline.Frames.Diagnostics;

namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>
/// One record on the results topic (<c>frames.analysis</c>), keyed by camera id. Partition and offset name the frame's
/// Kafka position so readers can check per-partition order and spot duplicates across replicas. <c>Replayed</c> marks a
/// frame a replaying group (<c>FrameProcessing:StartAt</c>) read from before it started.
/// </summary>
public sealed record AnalysisRecord(
    string Group,
    string Analyzer,
    string Instance,
    string Camera,
    long? Sequence,
    int Partition,
    long Offset,
    DateTimeOffset? CaptureTimestamp,
    DateTimeOffset ProcessedTimestamp,
    double Value,
    IReadOnlyDictionary<string, double> Values,
    double? LatencyMs,
    int Width,
    int Height,
    bool Replayed = false);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AnalysisRecord))]
[JsonSerializable(typeof(StatisticsSnapshot))]
[JsonSerializable(typeof(LiveStats))]
internal sealed partial class FrameProcessingJsonContext : JsonSerializerContext;

/// <summary>
/// What <c>/stats</c> answers: who this consumer is, its latest summary window, and per stage (decode, analysis,
/// report) the cumulative frames and CPU milliseconds (<see cref="CpuClock"/> says whether that is thread CPU time).
/// </summary>
public sealed record LiveStats(string Group, string Analyzer, string Instance, string Topic, StatisticsSnapshot Stats,
    IReadOnlyList<StageCpu> Stages, string CpuClock);
