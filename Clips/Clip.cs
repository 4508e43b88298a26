namespace AspirePipeline.Clips;

/// <summary>A clip ready to send: its MP4 (a temporary file, deleted when <see cref="Mp4"/> is closed) and what it holds.</summary>
internal sealed class Clip(string camera, FileStream mp4, DateTimeOffset firstCapture, DateTimeOffset lastCapture, int frames,
    bool startsAfterFrom, bool complete) : IDisposable
{
    public string Camera { get; } = camera;

    public FileStream Mp4 { get; } = mp4;

    /// <summary>The capture time of its first frame (a keyframe).</summary>
    public DateTimeOffset FirstCapture { get; } = firstCapture;

    /// <summary>The capture time of its last frame.</summary>
    public DateTimeOffset LastCapture { get; } = lastCapture;

    /// <summary>Access units (frames) in it.</summary>
    public int Frames { get; } = frames;

    /// <summary>No keyframe was within <c>Clips:KeyframeLookback</c> before <c>from</c>: it starts at the first one after.</summary>
    public bool StartsAfterFrom { get; } = startsAfterFrom;

    /// <summary>The recording had passed <c>to</c>; false when <c>Clips:RecordingWait</c> ended first.</summary>
    public bool Complete { get; } = complete;

    public void Dispose() => Mp4.Dispose();
}
