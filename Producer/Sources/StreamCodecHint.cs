namespace AspirePipeline.Producer.Sources;

/// <summary>
/// What a camera's stream was last seen to carry, kept by the camera's reader across reconnects: a Motion JPEG camera
/// is then opened for passthrough at once, a full-range one without range conversion, and only the first connection
/// (which assumes a TV-range H.264-like stream, as most cameras send) may cost a second one.
/// </summary>
internal sealed class StreamCodecHint
{
    public const string Mjpeg = "mjpeg";

    private volatile Seen? _last;

    public Seen? Last
    {
        get => _last;
        set => _last = value;
    }

    /// <summary>The codec (ffmpeg's name: <c>h264</c>, <c>mjpeg</c>, ...) and whether its pixels use the full 0-255 range.</summary>
    internal sealed record Seen(string Codec, string PixelFormat, bool FullRange)
    {
        public bool IsMjpeg => Codec == Mjpeg;

        /// <summary>JPEG's <c>yuvj</c> formats and a <c>pc</c> colour range are full range; everything else is taken as TV range.</summary>
        public static Seen From(string codec, string pixelFormat, string details) =>
            new(codec, pixelFormat, pixelFormat.StartsWith("yuvj", StringComparison.Ordinal)
                || details.Split(',', StringSplitOptions.TrimEntries).Contains("pc"));
    }
}
