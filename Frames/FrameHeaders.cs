using AspirePipeline.Contracts;

namespace AspirePipeline.Frames;

/// <summary>
/// Kafka header names of the frame contract. Values are ASCII text (decimal numbers, encoding names) so that kcat,
/// kafka-python and KafkaJS can read them without a schema.
/// </summary>
public static class FrameHeaders
{
    public const string CameraId = CameraHeader.Name;

    /// <summary>Per-camera sequence number, starting at 0 and contiguous while the producer runs.</summary>
    public const string Sequence = "frame.sequence";

    /// <summary>Capture time in microseconds since the Unix epoch (UTC).</summary>
    public const string CaptureTimestamp = "frame.capture-time-us";

    public const string Width = "frame.width";
    public const string Height = "frame.height";
    public const string Channels = "frame.channels";

    /// <summary>Payload encoding: one of <see cref="FrameEncodingNames"/>.</summary>
    public const string Encoding = "frame.encoding";

    /// <summary>Written by consumers on dead-lettered messages: why the message was rejected.</summary>
    public const string DeadLetterReason = "frame.dlq-reason";

    /// <summary>All headers the producer writes on every frame, in writing order.</summary>
    public static IReadOnlyList<string> All { get; } = [CameraId, Sequence, CaptureTimestamp, Width, Height, Channels, Encoding];
}
