using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.Tests.Tracking;

/// <summary>
/// <see cref="MotionAnalyzerOptions.Objects"/>: the motion analysis locating what moves, on synthetic 640x480 frames (a
/// flat gray background with a little sensor noise, a bright disc moving across it).
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class MotionObjectsTests
{
    private const int Width = 640, Height = 480;
    private const int Radius = 30;
    // Further a frame than the disc's radius: frame differencing would give a blob half as wide again as the disc.
    private const int Speed = 36;
    // MOG2 learns at 1/(2n) in its n-th frame: the first frame is learnt whole, and while the rate is high what covered
    // a pixel for the last frame or two is already background there (the disc's trailing part). At these speeds (a
    // pixel covered for two frames) that lasts 10 frames; slower objects take longer.
    private const int WarmUpFrames = 10;
    private const int Frames = 16;

    [Fact]
    public void Off_by_default_the_motion_analysis_locates_nothing_and_nothing_is_tracked()
    {
        using var analyzer = new MotionAnalyzer(Options.Create(new MotionAnalyzerOptions()));

        Assert.Null(((IFrameAnalyzer)analyzer).TrackedKind);
        for (var frame = 0; frame < 8; frame++)
        {
            using var image = Disc(frame);
            var analysis = analyzer.Analyze("cam", image);
            Assert.Null(analysis.Detections);
            Assert.Equal(["changed-fraction", "mean-difference"], analysis.Values.Select(value => value.Key));
        }
    }

    [Theory]
    [InlineData(320)]
    [InlineData(160)]
    [InlineData(0)]
    public void A_moving_disc_is_one_object_boxed_where_it_is_now_in_the_given_image_s_pixels(int analysisWidth)
    {
        using var analyzer = new MotionAnalyzer(Options.Create(new MotionAnalyzerOptions { Objects = true, AnalysisWidth = analysisWidth }));
        Assert.Equal(MotionAnalyzer.ObjectKind, ((IFrameAnalyzer)analyzer).TrackedKind);
        // One pixel of the working image, in the frame's pixels, either side of the disc's edge.
        var tolerance = 2 * (analysisWidth == 0 ? 1 : Width / analysisWidth);

        for (var frame = 0; frame < Frames; frame++)
        {
            using var image = Disc(frame);
            var analysis = analyzer.Analyze("cam", image);
            Assert.NotNull(analysis.Detections);
            if (frame == 0)
            {
                Assert.Empty(analysis.Detections);
            }
            if (frame < WarmUpFrames)
            {
                continue;
            }
            var box = Assert.Single(analysis.Detections);
            var (x, y) = Centre(frame);
            Assert.InRange(box.X, x - Radius - tolerance, x - Radius + tolerance);
            Assert.InRange(box.Y, y - Radius - tolerance, y - Radius + tolerance);
            Assert.InRange(box.Width, (2 * Radius) - tolerance, (2 * Radius) + tolerance);
            Assert.InRange(box.Height, (2 * Radius) - tolerance, (2 * Radius) + tolerance);
            Assert.Equal(1, analysis.Values.Single(value => value.Key == "objects").Value);
        }
    }

    [Fact]
    public void Parts_of_one_object_closer_than_ObjectJoin_make_one_object_and_specks_make_none()
    {
        using var joined = new MotionAnalyzer(Options.Create(new MotionAnalyzerOptions { Objects = true }));
        using var apart = new MotionAnalyzer(Options.Create(new MotionAnalyzerOptions { Objects = true, ObjectJoin = 0 }));
        var defaults = new MotionAnalyzerOptions();
        // Two 20x60 halves 6 px apart (3 at the working width, under the 0.015 x 320 = 5 px that are joined), moving
        // together as fast as the disc (a pixel covered for two frames); and a 2x2 px speck that flickers in a corner.
        const int Half = 20, Gap = 6, Step = 24;
        Assert.True(Gap * defaults.AnalysisWidth / (double)Width < defaults.ObjectJoin * defaults.AnalysisWidth);

        for (var frame = 0; frame < Frames; frame++)
        {
            using var image = Background(frame);
            var left = 60 + (Step * frame);
            image.Rectangle(new Rect(left, 200, Half, 60), Scalar.All(230), -1);
            image.Rectangle(new Rect(left + Half + Gap, 200, Half, 60), Scalar.All(230), -1);
            if (frame % 2 == 1)
            {
                image.Rectangle(new Rect(600, 20, 2, 2), Scalar.All(255), -1);
            }

            var one = joined.Analyze("cam", image);
            var two = apart.Analyze("cam", image);
            if (frame < WarmUpFrames)
            {
                continue;
            }
            var box = Assert.Single(one.Detections!);
            Assert.InRange(box.X, left - 2, left + 2);
            Assert.InRange(box.Width, (2 * Half) + Gap - 4, (2 * Half) + Gap + 4);
            Assert.Equal(2, two.Detections!.Count);
        }
    }

    private static (int X, int Y) Centre(int frame) => (60 + (Speed * frame), 240 + (4 * frame));

    private static Mat Disc(int frame)
    {
        var image = Background(frame);
        image.Circle(new Point(Centre(frame).X, Centre(frame).Y), Radius, Scalar.All(220), -1);
        return image;
    }

    /// <summary>Gray 80 with noise of standard deviation 2, the same for a frame number every run.</summary>
    private static Mat Background(int frame)
    {
        var image = new Mat(Height, Width, MatType.CV_8UC3);
        Cv2.SetTheRNG((ulong)(1000 + frame));
        Cv2.Randn(image, Scalar.All(80), Scalar.All(2));
        return image;
    }
}
