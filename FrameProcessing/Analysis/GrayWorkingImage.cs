using AspirePipeline.Frames;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// What the gray analyses (motion, people) look at: one gray channel no wider than their working width (0: any
/// width). Both ask the decoder for it, and both finish the job for frames the decoder could not shrink enough.
/// </summary>
internal static class GrayWorkingImage
{
    /// <summary>Gray, and shrunk by the JPEG decoder (almost free) as far as the working width allows.</summary>
    public static DecodeTarget DecodeTarget(int workingWidth) => workingWidth > 0
        ? new DecodeTarget(MaxDownscale: 8, Grayscale: true, MinWidth: workingWidth)
        : new DecodeTarget(Grayscale: true);

    /// <summary>
    /// <paramref name="image"/> itself when it is gray and narrow enough, else the gray conversion (into
    /// <paramref name="gray"/>) or its resize to the working width (into <paramref name="working"/>).
    /// </summary>
    public static Mat Prepare(Mat image, int workingWidth, Mat gray, Mat working)
    {
        var source = image.Channels() switch
        {
            1 => image,
            3 => Convert(image, gray, ColorConversionCodes.BGR2GRAY),
            4 => Convert(image, gray, ColorConversionCodes.BGRA2GRAY),
            var channels => throw new ArgumentException($"Expected 1, 3 or 4 channels, got {channels}.", nameof(image)),
        };
        if (workingWidth <= 0 || source.Width <= workingWidth)
        {
            return source;
        }
        var height = Math.Max(1, (int)Math.Round((double)source.Height * workingWidth / source.Width));
        Cv2.Resize(source, working, new Size(workingWidth, height), interpolation: InterpolationFlags.Area);
        return working;
    }

    private static Mat Convert(Mat image, Mat gray, ColorConversionCodes code)
    {
        Cv2.CvtColor(image, gray, code);
        return gray;
    }
}
