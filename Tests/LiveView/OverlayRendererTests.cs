using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.Tests.LiveView;

/// <summary>
/// The live view's overlay of a tracked analysis, drawn by the real renderer with OpenCV and read back from its JPEG:
/// a 1280x720 frame shrunk to 640x360, so a frame pixel (x, y) is drawn at (x/2, y/2) and a relative point (u, v) at
/// (u*639, v*359).
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class OverlayRendererTests
{
    private const string Camera = "footage";

    // The default topology's zone and line of the footage camera (AppHost/appsettings.json).
    private static readonly CameraScene Scene = new(Camera,
        [new SceneZone("plaza", [new(0.30, 0.55), new(0.75, 0.55), new(0.75, 0.95), new(0.30, 0.95)], MinDwell: null)],
        [new SceneLine("crossing", new(0.10, 0.70), new(0.90, 0.70), CrossingDirection.Down)], []);

    private static readonly Scalar Gray = new(60, 60, 60);

    // Track 12 at (380,120)-(430,220) on the canvas, across the zone's top edge; track 7 at (550,50)-(610,170), clear of both.
    private static readonly SceneState Tracked = new(
        [new TrackedObject(12, new Detection(760, 240, 100, 200, 1.5)), new TrackedObject(7, new Detection(1100, 100, 120, 240, 0.9))],
        [new ZoneOccupancy("plaza", 1)],
        [new LineCount("crossing", 3, 1)]);

    [Fact]
    public void A_tracked_analysis_shows_its_zone_line_and_tracks_in_their_colours_where_they_are()
    {
        using var overlay = Draw(new FrameAnalysis(2, [new("people", 2)]) { Scene = Tracked });

        // The zone's outline (cyan): left edge x=192, right edge x=479, bottom edge y=341; its inside untouched.
        AssertColour(overlay, 192, 300, OverlayRenderer.ZoneColour, "zone, left edge");
        AssertColour(overlay, 479, 300, OverlayRenderer.ZoneColour, "zone, right edge");
        AssertColour(overlay, 400, 341, OverlayRenderer.ZoneColour, "zone, bottom edge");
        AssertColour(overlay, 400, 300, Gray, "inside the zone");
        // Its label sits just above its top-left corner (192,198).
        AssertColour(overlay, 196, 192, OverlayRenderer.ZoneColour, "zone label");

        // The counting line (yellow) at y=251 from x=64 to 574, on either side of the zone; its arrow points down
        // from the middle (319,251), the "in" side.
        AssertColour(overlay, 120, 251, OverlayRenderer.LineColour, "line, left of the zone");
        AssertColour(overlay, 540, 251, OverlayRenderer.LineColour, "line, right of the zone");
        AssertColour(overlay, 319, 264, OverlayRenderer.LineColour, "the line's arrow, below it");
        AssertColour(overlay, 319, 238, Gray, "above the line's middle, where no arrow points");

        // Each track's box (blue), its inside untouched, its id's label (blue) below it.
        AssertColour(overlay, 380, 150, OverlayRenderer.TrackColour, "track 12, left edge");
        AssertColour(overlay, 405, 150, Gray, "inside track 12");
        AssertColour(overlay, 382, 225, OverlayRenderer.TrackColour, "track 12's label");
        AssertColour(overlay, 550, 110, OverlayRenderer.TrackColour, "track 7, left edge");
        AssertColour(overlay, 580, 110, Gray, "inside track 7");
        AssertColour(overlay, 552, 175, OverlayRenderer.TrackColour, "track 7's label");

        // The text panel (black, top-left) holds three more lines, the counts: it reaches below y=90.
        AssertColour(overlay, 2, 95, new Scalar(0, 0, 0), "the counts in the text panel");
    }

    [Fact]
    public void An_untracked_analysis_looks_as_before_even_for_a_camera_with_zones_and_lines()
    {
        using var overlay = Draw(new FrameAnalysis(0.5, [new("changed-fraction", 0.5)]));

        Assert.Equal(0, Count(overlay, OverlayRenderer.ZoneColour));
        Assert.Equal(0, Count(overlay, OverlayRenderer.LineColour));
        Assert.Equal(0, Count(overlay, OverlayRenderer.TrackColour));
        // The text panel keeps its three lines: it ends above y=90.
        AssertColour(overlay, 2, 95, Gray, "below the text panel");
    }

    [Fact]
    public void The_overlay_colours_differ_from_each_other_in_some_channel_by_more_than_twice_a_screenshot_s_tolerance()
    {
        Scalar[] colours = [OverlayRenderer.BoxColour, OverlayRenderer.ZoneColour, OverlayRenderer.LineColour, OverlayRenderer.TrackColour];

        foreach (var (a, i) in colours.Select((colour, i) => (colour, i)))
        {
            foreach (var b in colours.Skip(i + 1))
            {
                var spread = new[] { a.Val0 - b.Val0, a.Val1 - b.Val1, a.Val2 - b.Val2 }.Max(Math.Abs);
                Assert.True(spread > 160, $"{a} and {b} differ by at most {spread} per channel");
            }
        }
    }

    private static Mat Draw(FrameAnalysis analysis)
    {
        var renderer = new OverlayRenderer(Options.Create(new LiveViewOptions { MaxWidth = 640 }), new SceneCatalog([Scene]));
        using var image = new Mat(720, 1280, MatType.CV_8UC3, Gray);

        var jpeg = renderer.Render(image, PeopleDetector.AnalyzerName, Camera, 1, analysis, 3);

        var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.Equal(new Size(640, 360), decoded.Size());
        return decoded;
    }

    /// <summary>Some pixel within 2 px of (x, y) is within 70 per channel of <paramref name="colour"/> (the JPEG blurs edges).</summary>
    private static void AssertColour(Mat overlay, int x, int y, Scalar colour, string what)
    {
        var near = (from dy in Enumerable.Range(-2, 5)
                    from dx in Enumerable.Range(-2, 5)
                    select overlay.At<Vec3b>(y + dy, x + dx)).ToList();
        Assert.True(near.Any(pixel => Distance(pixel, colour) <= 70),
            $"{what}: no pixel near ({x},{y}) of colour {colour}; closest {near.MinBy(pixel => Distance(pixel, colour))}");
    }

    private static double Distance(Vec3b pixel, Scalar colour) =>
        new[] { pixel.Item0 - colour.Val0, pixel.Item1 - colour.Val1, pixel.Item2 - colour.Val2 }.Max(Math.Abs);

    private static int Count(Mat overlay, Scalar colour)
    {
        using var mask = new Mat();
        Cv2.InRange(overlay, new Scalar(colour.Val0 - 80, colour.Val1 - 80, colour.Val2 - 80),
            new Scalar(colour.Val0 + 80, colour.Val1 + 80, colour.Val2 + 80), mask);
        return Cv2.CountNonZero(mask);
    }
}
