using System.Globalization;
using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Tests.Infrastructure;
using static AspirePipeline.Tests.Tracking.TrackedCamera;

namespace AspirePipeline.Tests.Tracking;

/// <summary>
/// Zones and counting lines (<see cref="SceneCounter"/>) through <see cref="SceneTracking"/>: people walk synthetic
/// paths at a steady 4 px a frame (the tracker's smoothed box then sits on its detection), and the frames at which
/// their feet pass a zone's border or a line by more than <see cref="SceneCounter.Hysteresis"/> are worked out from
/// the path and the configured geometry, then compared with the events and the scene state.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class SceneCounterTests
{
    private const double ZoneLeft = 0.25, ZoneTop = 0.25, ZoneRight = 0.75, ZoneBottom = 0.75;
    private const double LineY = 0.5, LineFromX = 0.25, LineToX = 0.75;
    private const string Zone = "middle";
    private const string Line = "gate";

    [Fact]
    public void Walking_through_a_zone_raises_entered_then_loitering_after_MinDwell_then_left_with_the_dwell()
    {
        var minDwell = TimeSpan.FromSeconds(2);
        var camera = new TrackedCamera(ZoneSettings(minDwell));
        var path = Walk((320, 40), (320, 440));

        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }

        var entered = FirstFrame(path, feet => InsideBy(feet, SceneCounter.Hysteresis));
        var left = FirstFrame(path, feet => !InsideBy(feet, -SceneCounter.Hysteresis), after: entered);
        var loitering = FirstTime(path, frame => TimeOf(frame) - TimeOf(entered) >= minDwell, after: entered);
        var id = Assert.Single(camera.Events(SceneEvents.Appeared(Kind))).Event.TrackId;
        Assert.Equal(
        [
            (entered, SceneEvents.ZoneEntered, (double?)null),
            (loitering, SceneEvents.ZoneLoitering, (TimeOf(loitering) - TimeOf(entered)).TotalSeconds),
            (left, SceneEvents.ZoneLeft, (TimeOf(left) - TimeOf(entered)).TotalSeconds),
        ], ZoneEvents(camera).Select(e => (e.Frame, e.Event.Type, e.Event.DwellSeconds)));
        Assert.All(ZoneEvents(camera), e => Assert.Equal((Zone, id), (e.Event.Zone, e.Event.TrackId)));
        for (var frame = 0; frame < path.Length; frame++)
        {
            var occupancy = Assert.Single(camera.Frames[frame].Scene!.Zones);
            Assert.Equal((Zone, frame >= entered && frame < left ? 1 : 0), (occupancy.Zone, occupancy.Count));
        }
    }

    [Fact]
    public void Standing_on_a_zone_border_within_the_hysteresis_does_not_flicker_in_and_out()
    {
        var camera = new TrackedCamera(ZoneSettings());
        var top = (int)(ZoneTop * Height);
        var margin = (int)Math.Floor(SceneCounter.Hysteresis * Height);
        // Up to just outside the top border, then feet swaying across it by less than the hysteresis, then in.
        var approach = Walk((320, top - 60), (320, top - margin));
        var sway = Enumerable.Range(0, 20).Select(step => (X: 320, Y: step % 2 == 0 ? top + margin : top - margin)).ToArray();
        var path = approach.Concat(sway).Concat(Walk((320, top - margin), (320, top + 60))).ToArray();
        Assert.All(approach.Concat(sway), feet => Assert.False(InsideBy(feet, SceneCounter.Hysteresis)));
        Assert.Contains(sway, feet => InsideBy(feet, 0));

        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }

        var entered = Assert.Single(ZoneEvents(camera));
        Assert.Equal((SceneEvents.ZoneEntered, FirstFrame(path, feet => InsideBy(feet, SceneCounter.Hysteresis))),
            (entered.Event.Type, entered.Frame));
    }

    [Fact]
    public void A_track_that_ends_inside_a_zone_leaves_it_with_its_dwell_when_it_ends()
    {
        var options = new TrackingOptions();
        var camera = new TrackedCamera(ZoneSettings(), options);
        var path = Walk((320, 40), (320, 240));
        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }
        for (var frame = 0; frame < options.LeaveAfterFrames; frame++)
        {
            camera.Step();
        }

        var entered = FirstFrame(path, feet => InsideBy(feet, SceneCounter.Hysteresis));
        var ended = path.Length - 1 + options.LeaveAfterFrames;
        Assert.Equal(
        [
            (entered, SceneEvents.ZoneEntered, (double?)null),
            (ended, SceneEvents.ZoneLeft, (TimeOf(ended) - TimeOf(entered)).TotalSeconds),
        ], ZoneEvents(camera).Select(e => (e.Frame, e.Event.Type, e.Event.DwellSeconds)));
        Assert.Equal(ended, Assert.Single(camera.Events(SceneEvents.Left(Kind))).Frame);
        Assert.Equal(1, camera.Frames[ended - 1].Scene!.Zones[0].Count);
        Assert.Equal(0, camera.Frames[ended].Scene!.Zones[0].Count);
    }

    [Fact]
    public void A_zone_whose_last_point_repeats_its_first_closing_the_ring_still_raises_its_events()
    {
        // Polygons are often written closed (GeoJSON, most drawing tools): the repeated corner is an edge of no length.
        var settings = ZoneSettings();
        settings[$"Zones:{Zone}:Points:4"] = settings[$"Zones:{Zone}:Points:0"];
        var camera = new TrackedCamera(settings);
        var path = Walk((320, 40), (320, 440));

        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }

        var entered = FirstFrame(path, feet => InsideBy(feet, SceneCounter.Hysteresis));
        var left = FirstFrame(path, feet => !InsideBy(feet, -SceneCounter.Hysteresis), entered);
        Assert.Equal([(entered, SceneEvents.ZoneEntered), (left, SceneEvents.ZoneLeft)], ZoneEvents(camera).Select(e => (e.Frame, e.Event.Type)));
    }

    [Theory]
    [InlineData("down", SceneLine.Inbound, SceneLine.Outbound)]
    [InlineData("up", SceneLine.Outbound, SceneLine.Inbound)]
    public void Crossing_a_line_counts_in_or_out_by_its_In_direction(string inDirection, string downwards, string upwards)
    {
        var camera = new TrackedCamera(LineSettings(inDirection));
        var lineY = (int)(LineY * Height);
        var down = Walk((320, lineY - 80), (320, lineY + 80));
        var path = down.Concat(Walk(down[^1], (320, lineY - 80)).Skip(1)).ToArray();

        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }

        var crossedDown = FirstFrame(path, feet => Relative(feet.X, feet.Y).Y - LineY > SceneCounter.Hysteresis);
        var crossedUp = FirstFrame(path, feet => LineY - Relative(feet.X, feet.Y).Y > SceneCounter.Hysteresis, after: crossedDown);
        Assert.Equal([(crossedDown, Line, downwards), (crossedUp, Line, upwards)],
            camera.Events(SceneEvents.LineCrossed).Select(e => (e.Frame, e.Event.Line!, e.Event.Direction!)));
        var (ins, outs) = downwards == SceneLine.Inbound ? (1, 0) : (0, 1);
        Assert.Equal(new LineCount(Line, ins, outs), Assert.Single(camera.Frames[crossedUp - 1].Scene!.Lines));
        Assert.Equal(new LineCount(Line, 1, 1), Assert.Single(camera.Frames[^1].Scene!.Lines));
    }

    [Fact]
    public void Crossing_where_the_line_does_not_reach_is_not_counted()
    {
        var camera = new TrackedCamera(LineSettings("down"));
        var lineY = (int)(LineY * Height);
        // Down across the line's extension, beyond its To end; then back up across the segment itself.
        var beside = (int)((LineToX + 0.1) * Width);
        var path = Walk((beside, lineY - 80), (beside, lineY + 80)).Concat(Walk((beside, lineY + 80), (320, lineY - 80)).Skip(1)).ToArray();

        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }

        var crossed = Assert.Single(camera.Events(SceneEvents.LineCrossed));
        Assert.Equal(SceneLine.Outbound, crossed.Event.Direction);
        Assert.Equal(new LineCount(Line, 0, 1), Assert.Single(camera.Frames[^1].Scene!.Lines));
    }

    [Fact]
    public void Swaying_on_a_line_within_the_hysteresis_after_crossing_it_counts_one_crossing()
    {
        var camera = new TrackedCamera(LineSettings("down"));
        var lineY = (int)(LineY * Height);
        var margin = (int)Math.Floor(SceneCounter.Hysteresis * Height);
        var sway = Enumerable.Range(0, 20).Select(step => (X: 320, Y: step % 2 == 0 ? lineY + margin : lineY - margin)).ToArray();
        var path = Walk((320, lineY - 60), (320, lineY - margin)).Concat(sway).Concat(Walk((320, lineY - margin), (320, lineY + 60))).ToArray();

        foreach (var feet in path)
        {
            camera.Step(Standing(feet.X, feet.Y));
        }

        // Without the hysteresis every swing would be a crossing (the feet pass the line each frame while swaying).
        var crossed = Assert.Single(camera.Events(SceneEvents.LineCrossed));
        Assert.Equal(SceneLine.Inbound, crossed.Event.Direction);
        Assert.True(crossed.Frame >= path.Length - Walk((320, lineY - margin), (320, lineY + 60)).Length,
            $"counted at frame {crossed.Frame}, while swaying");
        Assert.Equal(new LineCount(Line, 1, 0), Assert.Single(camera.Frames[^1].Scene!.Lines));
    }

    [Fact]
    public void The_scene_state_counts_the_people_in_each_zone_and_each_line_crossing_per_direction()
    {
        var settings = ZoneSettings();
        foreach (var (key, value) in LineSettings("down"))
        {
            settings[key] = value;
        }
        var camera = new TrackedCamera(settings);
        // Two people walking down side by side, the second 15 frames behind the first.
        var first = Walk((240, 40), (240, 440));
        var second = Enumerable.Repeat((X: 400, Y: 0), 15).Concat(Walk((400, 40), (400, 440 - (15 * 4)))).ToArray();

        for (var frame = 0; frame < first.Length; frame++)
        {
            camera.Step(frame < 15 ? [Standing(first[frame].X, first[frame].Y)]
                : [Standing(first[frame].X, first[frame].Y), Standing(second[frame].X, second[frame].Y)]);
        }

        var stays = new[] { first, second }.Select(path =>
        {
            var entered = FirstFrame(path, feet => InsideBy(feet, SceneCounter.Hysteresis));
            return (Entered: entered, Left: FirstFrame(path, feet => !InsideBy(feet, -SceneCounter.Hysteresis), entered));
        }).ToArray();
        var crossings = new[] { first, second }
            .Select(path => FirstFrame(path, feet => Relative(feet.X, feet.Y).Y - LineY > SceneCounter.Hysteresis)).ToArray();
        var most = 0;
        for (var frame = 0; frame < first.Length; frame++)
        {
            var scene = camera.Frames[frame].Scene!;
            var inZone = stays.Count(stay => frame >= stay.Entered && frame < stay.Left);
            most = Math.Max(most, inZone);
            Assert.Equal(new ZoneOccupancy(Zone, inZone), Assert.Single(scene.Zones));
            Assert.Equal(new LineCount(Line, crossings.Count(crossed => frame >= crossed), 0), Assert.Single(scene.Lines));
        }
        Assert.Equal(2, most);
    }

    /// <summary>Feet positions from <paramref name="from"/> to <paramref name="to"/> (px), 4 px a frame in y, x moving along.</summary>
    private static (int X, int Y)[] Walk((int X, int Y) from, (int X, int Y) to)
    {
        var steps = Math.Max(1, Math.Abs(to.Y - from.Y) / 4);
        return [.. Enumerable.Range(0, steps + 1).Select(step =>
            (from.X + ((to.X - from.X) * step / steps), from.Y + ((to.Y - from.Y) * step / steps)))];
    }

    private static int FirstFrame((int X, int Y)[] path, Func<(int X, int Y), bool> condition, int after = -1)
    {
        for (var frame = after + 1; frame < path.Length; frame++)
        {
            if (condition(path[frame]))
            {
                return frame;
            }
        }
        throw new InvalidOperationException("The path never meets the condition: the test's geometry is wrong.");
    }

    private static int FirstTime((int X, int Y)[] path, Func<int, bool> condition, int after) =>
        Enumerable.Range(after + 1, path.Length - after - 1).First(condition);

    /// <summary>Feet inside the rectangular zone by more than <paramref name="margin"/> (a negative margin: outside by less).</summary>
    private static bool InsideBy((int X, int Y) feet, double margin)
    {
        var (x, y) = Relative(feet.X, feet.Y);
        return Math.Min(Math.Min(x - ZoneLeft, ZoneRight - x), Math.Min(y - ZoneTop, ZoneBottom - y)) > margin;
    }

    private static IEnumerable<(int Frame, AnalysisEvent Event)> ZoneEvents(TrackedCamera camera) =>
        camera.Events().Where(e => e.Event.Zone is not null);

    private static Dictionary<string, string?> ZoneSettings(TimeSpan? minDwell = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Zones:{Zone}:Points:0"] = Point(ZoneLeft, ZoneTop),
            [$"Zones:{Zone}:Points:1"] = Point(ZoneRight, ZoneTop),
            [$"Zones:{Zone}:Points:2"] = Point(ZoneRight, ZoneBottom),
            [$"Zones:{Zone}:Points:3"] = Point(ZoneLeft, ZoneBottom),
        };
        if (minDwell is { } dwell)
        {
            settings[$"Zones:{Zone}:MinDwell"] = dwell.ToString("c", CultureInfo.InvariantCulture);
        }
        return settings;
    }

    private static Dictionary<string, string?> LineSettings(string inDirection) => new()
    {
        [$"Lines:{Line}:From"] = Point(LineFromX, LineY),
        [$"Lines:{Line}:To"] = Point(LineToX, LineY),
        [$"Lines:{Line}:In"] = inDirection,
    };

    private static string Point(double x, double y) => string.Create(CultureInfo.InvariantCulture, $"{x},{y}");
}
