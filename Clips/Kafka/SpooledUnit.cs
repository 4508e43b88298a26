namespace AspirePipeline.Clips.Kafka;

/// <summary>One access unit (message) of the requested camera, its packets at <see cref="Position"/> in the spool file.</summary>
/// <param name="Partition">Its partition.</param>
/// <param name="Offset">Its offset.</param>
/// <param name="TimestampMs">The message timestamp (capture time, ms): what <c>from</c> and <c>to</c> are compared with.</param>
/// <param name="CaptureTime">The capture time at the header's microsecond precision (the timestamp when it has none).</param>
/// <param name="Keyframe">A decoder can start here (<c>video.keyframe</c> = 1): its packets begin with the PAT and PMT.</param>
/// <param name="Position">Where its packets start in the spool file.</param>
/// <param name="Length">How many bytes they are.</param>
internal readonly record struct SpooledUnit(int Partition, long Offset, long TimestampMs, DateTimeOffset CaptureTime, bool Keyframe,
    long Position, int Length);
