namespace AspirePipeline.Frames;

/// <summary>
/// How the pixels of a seed JSON message are laid out, decided as the original design's Python consumer decides it:
/// from the length of <c>pix</c> against <c>rows</c> x <c>cols</c>. The <c>channels</c> field is only a hint, because
/// the original Go producer writes the camera's channel count (3) next to 4-byte RGBA pixels.
/// </summary>
public static class SeedPixelLayout
{
    /// <summary>Bytes per pixel the seed format knows: RGBA, RGB and gray.</summary>
    private static readonly int[] BytesPerPixel = [4, 3, 1];

    /// <summary>
    /// The number of channels (4 RGBA, 3 RGB, 1 gray) that makes <paramref name="pixelBytes"/> bytes fill exactly
    /// <paramref name="rows"/> x <paramref name="cols"/> pixels.
    /// </summary>
    /// <param name="pixelBytes">Length of the decoded <c>pix</c> field.</param>
    /// <param name="rows">The message's <c>rows</c>.</param>
    /// <param name="cols">The message's <c>cols</c>.</param>
    /// <param name="channelsHint">The message's <c>channels</c> field, if any: named in the error, never trusted.</param>
    /// <exception cref="FrameFormatException">No layout fits (<see cref="FrameFormatError.PayloadSizeMismatch"/>).</exception>
    public static int ChannelsOf(long pixelBytes, long rows, long cols, long? channelsHint = null)
    {
        var pixels = rows * cols;
        foreach (var channels in BytesPerPixel)
        {
            if (pixelBytes == pixels * channels)
            {
                return channels;
            }
        }

        var hint = channelsHint is { } claimed ? $"; its 'channels' field says {claimed}" : "";
        throw new FrameFormatException(FrameFormatError.PayloadSizeMismatch,
            $"Seed JSON 'pix' holds {pixelBytes} bytes but {cols}x{rows} pixels need {pixels * 4} (RGBA), "
            + $"{pixels * 3} (RGB) or {pixels} (gray){hint}.");
    }
}
