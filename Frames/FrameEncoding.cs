namespace AspirePipeline.Frames;

/// <summary>How a frame's pixels are carried in the Kafka message value.</summary>
public enum FrameEncoding
{
    /// <summary>JPEG bytes (default): small enough for 30 fps of 720p over one partition.</summary>
    Jpeg = 0,

    /// <summary>Uncompressed 8-bit pixels, BGR order for 3 channels, row-major without padding.</summary>
    RawBgr = 1,

    /// <summary>
    /// The original design's JSON <c>{"pix": base64 RGBA bytes, "channels", "rows", "cols"}</c>, for the older Go and
    /// Python clients. Such messages may come without headers; the JSON alone describes the frame. Readers take the
    /// pixel layout (RGBA, RGB or gray) from the length of <c>pix</c> (see <see cref="SeedPixelLayout"/>).
    /// </summary>
    SeedJson = 2,
}

/// <summary>The wire names of <see cref="FrameEncoding"/> in the <see cref="FrameHeaders.Encoding"/> header.</summary>
public static class FrameEncodingNames
{
    public const string Jpeg = "jpeg";
    public const string RawBgr = "raw-bgr";
    public const string SeedJson = "seed-json";

    public static string ToWireName(this FrameEncoding encoding) => encoding switch
    {
        FrameEncoding.Jpeg => Jpeg,
        FrameEncoding.RawBgr => RawBgr,
        FrameEncoding.SeedJson => SeedJson,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown frame encoding."),
    };

    public static bool TryParse(ReadOnlySpan<byte> utf8Name, out FrameEncoding encoding)
    {
        // Header values are compared as bytes: no string per message on the consumers' hot path.
        if (utf8Name.SequenceEqual("jpeg"u8))
        {
            encoding = FrameEncoding.Jpeg;
            return true;
        }
        if (utf8Name.SequenceEqual("raw-bgr"u8))
        {
            encoding = FrameEncoding.RawBgr;
            return true;
        }
        if (utf8Name.SequenceEqual("seed-json"u8))
        {
            encoding = FrameEncoding.SeedJson;
            return true;
        }
        encoding = default;
        return false;
    }
}
