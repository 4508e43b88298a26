using AspirePipeline.FrameProcessing.Analysis;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class AnalyzerTests
{
    [Fact]
    public void Mean_intensity_of_a_uniform_colour_is_that_colour_per_channel()
    {
        using var image = new Mat(120, 160, MatType.CV_8UC3, new Scalar(10, 100, 200));

        var analysis = new MeanIntensityAnalyzer().Analyze("cam", image);

        Assert.Equal(["blue", "green", "red"], analysis.Values.Select(value => value.Key));
        Assert.Equal([10.0, 100.0, 200.0], analysis.Values.Select(value => value.Value));
        Assert.Equal(310.0 / 3, analysis.Value, 9);
    }

    [Fact]
    public void Mean_intensity_matches_the_area_weighted_mean_of_a_split_image()
    {
        // Left quarter white, the rest black: mean 255/4 in every channel.
        using var image = new Mat(100, 200, MatType.CV_8UC3, Scalar.All(0));
        image[new Rect(0, 0, 50, 100)].SetTo(Scalar.All(255));

        var analysis = new MeanIntensityAnalyzer().Analyze("cam", image);

        Assert.All(analysis.Values, value => Assert.Equal(63.75, value.Value, 9));
        Assert.Equal(63.75, analysis.Value, 9);
    }

    [Fact]
    public void Mean_intensity_names_the_single_channel_of_a_gray_image()
    {
        using var image = new Mat(10, 10, MatType.CV_8UC1, Scalar.All(42));

        var analysis = new MeanIntensityAnalyzer().Analyze("cam", image);

        Assert.Equal("gray", Assert.Single(analysis.Values).Key);
        Assert.Equal(42, analysis.Value, 9);
    }

    [Fact]
    public void Motion_is_zero_for_the_first_frame_and_for_identical_frames()
    {
        using var analyzer = CreateMotionAnalyzer();
        using var frame = FrameWithSquareAt(100, 100);

        var first = analyzer.Analyze("cam", frame);
        var second = analyzer.Analyze("cam", frame);

        Assert.Equal(0, first.Value);
        Assert.Equal(0, second.Value);
        Assert.Equal(0, second.Values.Single(value => value.Key == "mean-difference").Value);
    }

    [Fact]
    public void Motion_is_positive_when_an_object_moves_and_matches_the_changed_area()
    {
        using var analyzer = CreateMotionAnalyzer(analysisWidth: 0);
        using var before = FrameWithSquareAt(100, 100);
        using var after = FrameWithSquareAt(300, 100);

        analyzer.Analyze("cam", before);
        var moved = analyzer.Analyze("cam", after);

        // Two disjoint 80x80 squares changed (the old place and the new one) out of 640x480 pixels.
        Assert.Equal(2.0 * 80 * 80 / (640 * 480), moved.Value, 6);
        Assert.True(moved.Values.Single(value => value.Key == "mean-difference").Value > 0);
    }

    [Fact]
    public void Motion_is_tracked_per_camera()
    {
        using var analyzer = CreateMotionAnalyzer();
        using var still = FrameWithSquareAt(100, 100);
        using var moved = FrameWithSquareAt(300, 200);

        analyzer.Analyze("a", still);
        analyzer.Analyze("b", moved);
        var a = analyzer.Analyze("a", still);
        var b = analyzer.Analyze("b", still);

        Assert.Equal(0, a.Value);
        Assert.True(b.Value > 0);
    }

    [Fact]
    public void Motion_ignores_changes_below_the_pixel_threshold()
    {
        using var analyzer = CreateMotionAnalyzer();
        using var dark = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(100));
        using var slightlyBrighter = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(110));

        analyzer.Analyze("cam", dark);
        var result = analyzer.Analyze("cam", slightlyBrighter);

        Assert.Equal(0, result.Value);
        Assert.Equal(10, result.Values.Single(value => value.Key == "mean-difference").Value, 6);
    }

    [Fact]
    public void Motion_restarts_at_zero_when_the_frame_size_changes()
    {
        using var analyzer = CreateMotionAnalyzer(analysisWidth: 0);
        using var small = new Mat(100, 100, MatType.CV_8UC3, Scalar.All(0));
        using var large = new Mat(200, 200, MatType.CV_8UC3, Scalar.All(255));

        analyzer.Analyze("cam", small);

        Assert.Equal(0, analyzer.Analyze("cam", large).Value);
    }

    private static MotionAnalyzer CreateMotionAnalyzer(int analysisWidth = 320) =>
        new(Options.Create(new MotionAnalyzerOptions { AnalysisWidth = analysisWidth, PixelThreshold = 25 }));

    private static Mat FrameWithSquareAt(int x, int y)
    {
        var image = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(30));
        image[new Rect(x, y, 80, 80)].SetTo(new Scalar(250, 250, 250));
        return image;
    }
}
