using System.Globalization;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// ffmpeg's output arguments for writing JPEG itself (<c>Producer:JpegEncoder=Ffmpeg</c>): the H.264 (or other) picture
/// goes from ffmpeg's decoder to its MJPEG encoder in YUV, so no BGR frame crosses the pipe and OpenCV encodes nothing.
/// The JPEGs use libjpeg's quantisation tables for <c>Producer:JpegQuality</c> (what OpenCV's encoder writes), with
/// round-to-nearest quantisation like libjpeg's (ffmpeg's MPEG-style default rounds towards zero, which costs detail).
/// </summary>
internal static class FfmpegJpegArguments
{
    // ffmpeg's MJPEG encoder writes (matrix x qscale) / 8 into the JPEG: at 8 the tables below go in unchanged.
    private const int TableScale = 8;

    // Quantiser rounding, in 1/256: 128 is round-to-nearest (ffmpeg's MJPEG default, 96, rounds down).
    private const int RoundToNearest = 128;

    // JPEG's example tables (ITU T.81 annex K), row by row; libjpeg scales them by quality.
    private static readonly int[] LuminanceTable =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    private static readonly int[] ChrominanceTable =
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ];

    // TV range (16-235 luma, 16-240 chroma) stretched to JPEG's full range with a lookup table: swscale's own
    // range conversion costs ffmpeg about as much as the whole JPEG encode. The table is for 8-bit 4:2:0, so other
    // formats (10-bit, 4:2:2) are converted first; for 8-bit 4:2:0, what most cameras send, "format" passes frames on.
    private const string ToFullRange =
        "format=yuv420p,lutyuv=y=(val-16)*255/219:u=(val-128)*255/224+128:v=(val-128)*255/224+128";

    /// <summary>The filters that must run before the camera's own (<c>scale</c>, <c>fps</c>) ones.</summary>
    public static IEnumerable<string> Filters(bool fullRangeInput) => fullRangeInput ? [] : [ToFullRange];

    /// <summary>Encoder arguments, placed after the filters and before the output.</summary>
    public static IEnumerable<string> Encoder(int quality, bool fullRangeInput) =>
    [
        // One encoding thread: frame threads would hold frames back, and each camera already has its own ffmpeg.
        "-c:v", "mjpeg", "-threads", "1",
        // After the lookup table the pixels are full range but still labelled TV range; -strict -1 lets them through.
        .. fullRangeInput ? (string[])["-pix_fmt", "yuvj420p"] : ["-strict", "-1", "-pix_fmt", "yuv420p"],
        "-q:v", Invariant(TableScale),
        "-intra_matrix", Join(Scaled(LuminanceTable, quality)),
        "-chroma_intra_matrix", Join(Scaled(ChrominanceTable, quality)),
        "-ibias", Invariant(RoundToNearest),
    ];

    /// <summary>libjpeg's <c>jpeg_quality_scaling</c> applied to one of the example tables (baseline: 1..255).</summary>
    internal static int[] Scaled(IReadOnlyList<int> table, int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        var factor = quality < 50 ? 5000 / quality : 200 - quality * 2;
        return [.. table.Select(value => Math.Clamp((value * factor + 50) / 100, 1, 255))];
    }

    internal static IReadOnlyList<int> Luminance => LuminanceTable;

    internal static IReadOnlyList<int> Chrominance => ChrominanceTable;

    private static string Join(IEnumerable<int> values) => string.Join(',', values.Select(Invariant));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
