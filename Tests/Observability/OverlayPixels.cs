using AspirePipeline.FrameProcessing.LiveView;
using OpenCvSharp;

namespace AspirePipeline.Tests.Observability;

/// <summary>Finds what the live view draws (detection boxes, zones, lines, tracks) in a screenshot by its colour.</summary>
internal static class OverlayPixels
{
    /// <summary>JPEG (the MJPEG stream) and the browser's scaling shift colours; the footage has no such magenta.</summary>
    private const int Tolerance = 80;

    public static int CountBoxColoured(string imageFile) => CountColoured(imageFile, OverlayRenderer.BoxColour);

    /// <summary>The pixels within <see cref="Tolerance"/> per channel of <paramref name="colour"/> (BGR).</summary>
    public static int CountColoured(string imageFile, Scalar colour)
    {
        using var image = Cv2.ImRead(imageFile, ImreadModes.Color);
        Assert.False(image.Empty(), $"{imageFile} is not an image");
        using var mask = new Mat();
        Cv2.InRange(image,
            new Scalar(Math.Max(0, colour.Val0 - Tolerance), Math.Max(0, colour.Val1 - Tolerance), Math.Max(0, colour.Val2 - Tolerance)),
            new Scalar(Math.Min(255, colour.Val0 + Tolerance), Math.Min(255, colour.Val1 + Tolerance), Math.Min(255, colour.Val2 + Tolerance)),
            mask);
        return Cv2.CountNonZero(mask);
    }
}
