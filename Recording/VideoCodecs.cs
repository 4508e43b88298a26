namespace AspirePipeline.Recording;

/// <summary>The codecs a camera's stream is recorded in, by their <see cref="VideoHeaders.Codec"/> names (ffmpeg's).</summary>
public static class VideoCodecs
{
    public const string H264 = "h264";
    public const string Hevc = "hevc";

    /// <summary>The codec of an MPEG-TS elementary stream type (ISO 13818-1 table 2-34), or null for one not recorded.</summary>
    public static string? FromStreamType(byte streamType) => streamType switch
    {
        0x1B => H264,
        0x24 => Hevc,
        _ => null,
    };
}
