namespace AspirePipeline.TestSupport;

/// <summary>
/// One <c>frames.video</c> message as <see cref="VideoCollector"/> read it: its camera (the key), the video headers
/// (<c>Recording/VideoHeaders</c>) and the payload's size; the payload itself is not kept.
/// </summary>
/// <param name="Camera">The camera id, the message's key.</param>
/// <param name="Sequence">The camera's message number (<c>video.sequence</c>), contiguous from 0 while the producer runs.</param>
/// <param name="Pts">The access unit's presentation time in 90 kHz ticks (<c>video.pts</c>), null when it had none.</param>
/// <param name="Keyframe">Whether a decoder can start at it (<c>video.keyframe</c>).</param>
/// <param name="CaptureTimestamp">When the producer received it (<c>video.capture-time-us</c>).</param>
/// <param name="Bytes">The payload's length: the access unit in MPEG-TS packets.</param>
/// <param name="Partition">The partition it was read from.</param>
/// <param name="Offset">Its offset in that partition.</param>
public sealed record VideoMessage(string Camera, long Sequence, long? Pts, bool Keyframe, DateTimeOffset CaptureTimestamp, int Bytes,
    int Partition, long Offset);
