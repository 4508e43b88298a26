using AspirePipeline.Contracts;

namespace AspirePipeline.Recording;

/// <summary>
/// Kafka header names of a <c>frames.video</c> message, ASCII text like the frame contract's, so kcat and the other
/// clients read them without a schema. The key is the camera id; the message timestamp is the capture time.
/// </summary>
public static class VideoHeaders
{
    /// <summary>The camera id (also the key), under the frame contract's header name.</summary>
    public const string CameraId = CameraHeader.Name;

    /// <summary>Per-camera message number, from 0 and contiguous while the producer runs.</summary>
    public const string Sequence = "video.sequence";

    /// <summary>The stream's codec: one of <see cref="VideoCodecs"/>.</summary>
    public const string Codec = "video.codec";

    /// <summary>"1" when the access unit is a keyframe (a decoder can start here: parameter sets go with it), else "0".</summary>
    public const string Keyframe = "video.keyframe";

    /// <summary>The access unit's presentation time in 90 kHz ticks, as the stream numbers it (empty when it has none).</summary>
    public const string Pts = "video.pts";

    /// <summary>When the producer received the access unit, in microseconds since the Unix epoch (UTC).</summary>
    public const string CaptureTimestamp = "video.capture-time-us";

    /// <summary>How the payload is packed: <see cref="TransportStream.ContainerName"/>.</summary>
    public const string Container = "video.container";

    /// <summary>All headers the producer writes on every message, in writing order.</summary>
    public static IReadOnlyList<string> All { get; } = [CameraId, Sequence, Codec, Keyframe, Pts, CaptureTimestamp, Container];
}
