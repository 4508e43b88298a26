namespace AspirePipeline.Recording;

/// <summary>The MPEG transport stream (ISO 13818-1) facts the recording relies on.</summary>
public static class TransportStream
{
    /// <summary>The <see cref="VideoHeaders.Container"/> value of a recorded message.</summary>
    public const string ContainerName = "mpegts";

    public const int PacketSize = 188;
    public const byte SyncByte = 0x47;
    public const int PatPid = 0x0000;
    public const int NullPid = 0x1FFF;

    /// <summary>
    /// ffmpeg's mpegts muxer options for a recording: PAT and PMT only before each keyframe (ffmpeg 5.1 always writes
    /// them there), not ten times a second, so every keyframe message starts a stream on its own at ~1 % less size.
    /// </summary>
    public static IReadOnlyList<string> MuxerOptions { get; } = ["-pat_period", "86400", "-sdt_period", "86400"];
}
