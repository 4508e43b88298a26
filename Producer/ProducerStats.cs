using System.Text.Json;
using System.Text.Json.Serialization;
using AspirePipeline.Frames.Diagnostics;

namespace AspirePipeline.Producer;

/// <summary>
/// What <c>GET /stats</c> answers: per camera the cumulative frame counts, per in-process stage the CPU time.
/// The names are a contract (the pipeline benchmark and users' scripts parse them); add fields, do not rename.
/// </summary>
internal sealed record ProducerStats(IReadOnlyList<CameraStats> Cameras, IReadOnlyList<StageCpu> Stages, string CpuClock)
{
    public static ProducerStats From(CameraStatusBoard board, ProducerMetrics metrics) => new(
        board.All.OrderBy(status => status.CameraId, StringComparer.Ordinal).Select(CameraStats.From).ToList(),
        metrics.Stages.Snapshot(),
        ThreadCpuClock.ClockName);
}

/// <summary>
/// One camera: cumulative counts since the producer started (<c>dropped</c> sums every reason; <c>missed</c> counts the
/// frames the camera's stream never delivered, by reason, which were never captured; <c>passedThrough</c> counts the
/// frames handed to Kafka as the camera's own JPEG, without decode or encode); <c>recording</c> is null for a camera
/// that is not recorded.
/// </summary>
internal sealed record CameraStats(
    string Id,
    bool Connected,
    long Captured,
    long Published,
    long Dropped,
    IReadOnlyDictionary<string, long> DroppedByReason,
    long Reconnects,
    long LastPublishedSequence,
    DateTimeOffset? LastPublishedAt,
    string? LastError,
    long PassedThrough,
    RecordingStats? Recording,
    long Missed,
    IReadOnlyDictionary<string, long> MissedByReason)
{
    public static CameraStats From(CameraStatus status)
    {
        var dropped = new SortedDictionary<string, long>(status.Dropped.ToDictionary(), StringComparer.Ordinal);
        var missed = new SortedDictionary<string, long>(status.Missed.ToDictionary(), StringComparer.Ordinal);
        return new(status.CameraId, status.Connected, status.Captured, status.Published, dropped.Values.Sum(), dropped,
            status.Reconnects, status.LastPublishedSequence, status.LastPublishedAt, status.LastError, status.PassedThrough,
            status.Recorded ? RecordingStats.From(status.Recording) : null, missed.Values.Sum(), missed);
    }
}

/// <summary>
/// A recorded camera's <c>frames.video</c> messages: access units handed to Kafka and acknowledged (with their bytes
/// and keyframes), not recorded by reason (<c>dropped</c> sums them), and transport-stream bytes that were not part of
/// a whole access unit.
/// </summary>
internal sealed record RecordingStats(long Handed, long Published, long Keyframes, long Bytes, long Dropped,
    IReadOnlyDictionary<string, long> DroppedByReason, long SkippedBytes)
{
    public static RecordingStats From(Recording.RecordingStatus status)
    {
        var dropped = new SortedDictionary<string, long>(status.Dropped.ToDictionary(), StringComparer.Ordinal);
        return new(status.Handed, status.Published, status.Keyframes, status.Bytes, dropped.Values.Sum(), dropped, status.SkippedBytes);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProducerStats))]
internal sealed partial class ProducerJsonContext : JsonSerializerContext;
