using System.Text.Json;
using System.Text.Json.Serialization;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.Frames.Diagnostics;
using AspirePipeline.KafkaClient;

namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>
/// One record on the results topic (<c>frames.analysis</c>), keyed by camera id. Partition and offset name the frame's
/// Kafka position so readers can check per-partition order and spot duplicates across replicas. Detections (boxes in
/// the frame's full-size pixel coordinates, with scores) only appear for analyses that locate objects. <c>Replayed</c>
/// marks a frame a replaying group (<c>FrameProcessing:StartAt</c>) read from before it started.
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
    bool Replayed = false)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Detection>? Detections { get; init; }

    /// <summary>Confirmed tracks after this frame (tracked analyses only), in the frame's pixels.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TrackedObject>? Tracks { get; init; }

    /// <summary>People in each of the camera's zones now.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ZoneOccupancy>? Zones { get; init; }

    /// <summary>Each of the camera's counting lines' crossings, in and out, since the service started.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LineCount>? Lines { get; init; }
}

/// <summary>
/// One record on the events topic (<c>frames.events</c>), keyed by camera id: <see cref="Type"/> (e.g.
/// <c>person-appeared</c>, <c>zone-entered</c>, <c>line-crossed</c>) happened at this frame of this camera, as seen by
/// this group.
/// </summary>
public sealed record FrameEventRecord(
    string Type,
    string Camera,
    string Group,
    string Analyzer,
    string Instance,
    long? Sequence,
    int Partition,
    long Offset,
    DateTimeOffset? CaptureTimestamp,
    DateTimeOffset ProcessedTimestamp,
    IReadOnlyList<Detection> Detections)
{
    /// <summary>The track the event is about (tracked analyses: ids count up per camera while the service runs).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? TrackId { get; init; }

    /// <summary>The zone of a <c>zone-entered</c>, <c>zone-left</c> or <c>zone-loitering</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Zone { get; init; }

    /// <summary>The counting line of a <c>line-crossed</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Line { get; init; }

    /// <summary><c>in</c> or <c>out</c>, for a <c>line-crossed</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Direction { get; init; }

    /// <summary>Seconds in the zone (zone-left, zone-loitering) or tracked (person-left).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DwellSeconds { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AnalysisRecord))]
[JsonSerializable(typeof(FrameEventRecord))]
[JsonSerializable(typeof(StatisticsSnapshot))]
[JsonSerializable(typeof(LiveStats))]
internal sealed partial class FrameProcessingJsonContext : JsonSerializerContext;

/// <summary>
/// What <c>/stats</c> answers: who this consumer is, its latest summary window, and per stage (decode, analysis,
/// report) the cumulative frames and CPU milliseconds (<see cref="CpuClock"/> says whether that is thread CPU time).
/// </summary>
public sealed record LiveStats(string Group, string Analyzer, string Instance, string Topic, StatisticsSnapshot Stats,
    IReadOnlyList<StageCpu> Stages, string CpuClock)
{
    /// <summary>The Kafka consumer's fetching from its latest librdkafka statistics (null before the first).</summary>
    public ConsumerFetchState? Kafka { get; init; }

    /// <summary>The last events this consumer published, newest first, with their position on the events topic.</summary>
    public IReadOnlyList<PublishedEvent> RecentEvents { get; init; } = [];

    /// <summary>The clips service's address (<c>LiveView:ClipsUrl</c>): where an event's clip is; null when there is none.</summary>
    public string? ClipsUrl { get; init; }

    /// <summary>The latest scene of each camera, by camera id, for tracked analyses; empty for the others.</summary>
    public IReadOnlyList<LiveScene> Scenes { get; init; } = [];
}
