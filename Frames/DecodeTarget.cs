using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>
/// How much of a frame's pixels a reader needs. A JPEG can be decoded directly at 1/2, 1/4 or 1/8 of its size and
/// straight to gray: libjpeg then skips the detail (inverse DCT terms, colour conversion) that would be thrown away
/// right after. Raw and seed-JSON frames are always decoded in full.
/// </summary>
/// <param name="MaxDownscale">The largest reduction acceptable: 1 (full size), 2, 4 or 8.</param>
/// <param name="Grayscale">Whether one gray channel is enough.</param>
/// <param name="MinWidth">The reduced image must stay at least this wide (0 = no limit).</param>
public readonly record struct DecodeTarget(int MaxDownscale = 1, bool Grayscale = false, int MinWidth = 0)
{
    private static readonly int[] JpegScales = [8, 4, 2];

    /// <summary>Every pixel, in colour: what the live view and the OpenCV window need.</summary>
    public static DecodeTarget Full { get; } = new(1);

    public bool IsFull => MaxDownscale <= 1 && !Grayscale;

    /// <summary>The reduction to apply to a frame <paramref name="width"/> pixels wide: the largest JPEG scale allowed.</summary>
    public int ScaleFor(int width)
    {
        foreach (var scale in JpegScales)
        {
            if (scale <= MaxDownscale && ReducedSize(width, scale) >= MinWidth)
            {
                return scale;
            }
        }
        return 1;
    }

    /// <summary>The size libjpeg produces when scaling <paramref name="size"/> pixels down by <paramref name="scale"/> (it rounds up).</summary>
    public static int ReducedSize(int size, int scale) => (size + scale - 1) / scale;

    internal ImreadModes JpegMode(int scale, bool sourceIsGray) => (scale, Grayscale || sourceIsGray) switch
    {
        (8, true) => ImreadModes.ReducedGrayscale8,
        (8, false) => ImreadModes.ReducedColor8,
        (4, true) => ImreadModes.ReducedGrayscale4,
        (4, false) => ImreadModes.ReducedColor4,
        (2, true) => ImreadModes.ReducedGrayscale2,
        (2, false) => ImreadModes.ReducedColor2,
        (_, true) => ImreadModes.Grayscale,
        _ => ImreadModes.Color,
    };
}
