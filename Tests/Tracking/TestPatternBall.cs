using OpenCvSharp;

namespace AspirePipeline.Tests.Tracking;

/// <summary>
/// The ball of the camera simulator's test pattern: GStreamer's <c>videotestsrc pattern=ball motion=wavy
/// animation-mode=frames</c> (CameraSimulator/rtsp_simulator.py). videotestsrc.c (gst_video_test_src_ball, GStreamer
/// 1.22 as Debian 12 ships it) draws a disc of radius 20 px whatever the frame size, its centre in frame n (counted
/// from 0 by the source) at x = r + (0.5 + 0.5 sin(2 pi n / 200)) (w - 2r), y = r + (0.5 + 0.5 sin(sqrt(2) 2 pi n / 200)) (h - 2r):
/// a Lissajous figure from the middle of the picture, 200 frames a period across and 141.4 up and down. The disc fades
/// to the background over its outer 2 px (full foreground colour within 18 px of the centre).
/// </summary>
/// <remarks>
/// Checked against the real simulator (640x360 at 15 fps, 300 frames pulled by a plain ffmpeg as PNG and located as
/// <see cref="Locate"/> does): every frame whose ball was clear of the text overlays lay within 0.7 px of the formula,
/// the first frame ffmpeg wrote being n = 0. Through the producer (ffmpeg with low-delay flags, H.264 then JPEG) the
/// first frame published was n = 28, a keyframe (the simulator sends one every 7 frames at 15 fps), and the located
/// ball lies within 2.4 px of the formula: <see cref="BallZoneTimingTests"/> reads n off the pictures for that reason.
/// </remarks>
internal static class TestPatternBall
{
    public const int Radius = 20;
    private const double FramesPerPeriod = 200;

    // Gray levels: the pattern's foreground (0xf0f0f0) is ~240, its background (0x406080) ~88; the text overlays are
    // white with a dark outline, in glyphs far smaller than the ball.
    private const double BrightThreshold = 200;
    // Within the fade the gray passes 200 at about 18.5 px from the centre: a bright blob 37 px across.
    private const int MinDiameter = 33, MaxDiameter = 41;

    /// <summary>The ball's centre in frame <paramref name="n"/> of a <paramref name="width"/> x <paramref name="height"/> pattern.</summary>
    public static (double X, double Y) Centre(long n, int width, int height)
    {
        var angle = 2 * Math.PI * n / FramesPerPeriod;
        return (Radius + ((0.5 + (0.5 * Math.Sin(angle))) * (width - (2 * Radius))),
            Radius + ((0.5 + (0.5 * Math.Sin(angle * Math.Sqrt(2)))) * (height - (2 * Radius))));
    }

    /// <summary>
    /// Where the ball is in <paramref name="gray"/>, a frame of the pattern: the centre of the one bright blob the
    /// ball's size; null when there is none (the ball touching a text overlay merges with it).
    /// </summary>
    public static (double X, double Y)? Locate(Mat gray)
    {
        using var bright = new Mat();
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        Cv2.Threshold(gray, bright, BrightThreshold, 255, ThresholdTypes.Binary);
        var count = Cv2.ConnectedComponentsWithStats(bright, labels, stats, centroids);
        (double X, double Y)? found = null;
        for (var label = 1; label < count; label++)
        {
            var width = stats.At<int>(label, (int)ConnectedComponentsTypes.Width);
            var height = stats.At<int>(label, (int)ConnectedComponentsTypes.Height);
            if (width is < MinDiameter or > MaxDiameter || height is < MinDiameter or > MaxDiameter)
            {
                continue;
            }
            if (found is not null)
            {
                return null;
            }
            // The box's middle: the blob is a disc, and the box's edges are its outermost bright pixels.
            found = (stats.At<int>(label, (int)ConnectedComponentsTypes.Left) + ((width - 1) / 2.0),
                stats.At<int>(label, (int)ConnectedComponentsTypes.Top) + ((height - 1) / 2.0));
        }
        return found;
    }
}
