using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.Tests.PeopleDetection;

/// <summary>
/// A camera's motion masks keep what moves inside them (a clock's digits) from opening a region for the detector;
/// what moves elsewhere still does.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class MotionMaskTests
{
    // A clock-sized patch whose digits change every frame, in the bottom-right corner, and the mask over it.
    private static readonly Rect Clock = new(520, 290, 100, 50);
    private static readonly SceneMask ClockMask = SceneMask.Read("clock",
        new MaskSettings { Points = ["0.78,0.75", "1,0.75", "1,1", "0.78,1"] }, "MotionMasks:clock");

    [Fact]
    public void Motion_inside_a_mask_opens_no_region()
    {
        var scanned = ScannedAfterFirstFrame(new CameraScene("cam", [], [], [ClockMask]), walker: null);

        Assert.All(scanned, regions => Assert.Empty(regions));
    }

    [Fact]
    public void Without_the_mask_the_same_motion_is_scanned()
    {
        var scanned = ScannedAfterFirstFrame(CameraScene.Empty("cam"), walker: null);

        Assert.All(scanned, regions => Assert.Contains(regions, region => Overlaps(region, Clock)));
    }

    [Fact]
    public void Motion_outside_the_mask_is_still_scanned()
    {
        var walker = new Rect(200, 100, 40, 120);

        var scanned = ScannedAfterFirstFrame(new CameraScene("cam", [], [], [ClockMask]), walker);

        Assert.All(scanned, regions =>
        {
            Assert.Contains(regions, region => Overlaps(region, Walked(walker, (int)region.Score)));
            Assert.DoesNotContain(regions, region => Overlaps(region, Clock));
        });
    }

    /// <summary>Where the walker is in <paramref name="frame"/>: 12 px further right each frame.</summary>
    private static Rect Walked(Rect walker, int frame) => walker with { X = walker.X + (frame * 12) };

    /// <summary>
    /// The regions scanned (each with its frame number as score) in each frame after the first (scanned whole) of a
    /// changing clock, and of the walker if one is given.
    /// </summary>
    private static List<IReadOnlyList<Detection>> ScannedAfterFirstFrame(CameraScene scene, Rect? walker)
    {
        using var detector = new PeopleDetector(Options.Create(new PeopleDetectorOptions()), new SceneCatalog([scene]));
        var scanned = new List<IReadOnlyList<Detection>>();
        for (var frame = 0; frame < 12; frame++)
        {
            using var image = new Mat(360, 640, MatType.CV_8UC3, new Scalar(90, 90, 90));
            // The clock's "digits": blocks of a new random gray each frame. (A patch that only flickers between two
            // looks is learnt as background within frames: MOG2 keeps several looks per pixel.)
            var digits = new Random(frame);
            for (var x = Clock.X; x < Clock.Right; x += 10)
            {
                for (var y = Clock.Y; y < Clock.Bottom; y += 10)
                {
                    image[new Rect(x, y, 10, 10)].SetTo(Scalar.All(digits.Next(256)));
                }
            }
            if (walker is { } box)
            {
                image[Walked(box, frame)].SetTo(Scalar.All(20));
            }
            var analysis = detector.Analyze(scene.CameraId, image);
            if (frame > 0)
            {
                scanned.Add([.. analysis.ScannedRegions!.Select(region => region with { Score = frame })]);
            }
        }
        return scanned;
    }

    private static bool Overlaps(Detection region, Rect box) =>
        new Rect(region.X, region.Y, region.Width, region.Height).IntersectsWith(box);
}
