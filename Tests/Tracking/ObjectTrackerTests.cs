using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Tests.Infrastructure;
using static AspirePipeline.Tests.Tracking.TrackedCamera;

namespace AspirePipeline.Tests.Tracking;

/// <summary>
/// The tracker (<see cref="ObjectTracker"/>) through <see cref="SceneTracking"/>, on synthetic detections: which track
/// a detection continues, when a track is confirmed, held or ended, and the appeared/left events that says.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ObjectTrackerTests
{
    private static readonly string Appeared = SceneEvents.Appeared(Kind);
    private static readonly string Left = SceneEvents.Left(Kind);

    [Fact]
    public void A_walking_person_keeps_one_id_across_frames_and_through_misses_shorter_than_LeaveAfterFrames()
    {
        var options = new TrackingOptions();
        var camera = new TrackedCamera(options: options);
        const int FirstMiss = 10;
        var misses = options.LeaveAfterFrames - 1;

        for (var frame = 0; frame < 30; frame++)
        {
            var missed = frame >= FirstMiss && frame < FirstMiss + misses;
            camera.Step(missed ? [] : [Standing(100 + (6 * frame), 300)]);
        }

        var confirmedFrom = options.AppearAfterFrames - 1;
        Assert.All(camera.Frames.Take(confirmedFrom), frame => Assert.Empty(frame.Scene!.Tracks));
        var ids = camera.Frames.Skip(confirmedFrom).Select(frame => Assert.Single(frame.Scene!.Tracks).Id).Distinct();
        var id = Assert.Single(ids);
        var appeared = Assert.Single(camera.Events(Appeared));
        Assert.Equal((confirmedFrom, (long?)id), (appeared.Frame, appeared.Event.TrackId));
        Assert.Empty(camera.Events(Left));
        // Back on its detection after the misses: it coasted on its velocity meanwhile.
        var last = camera.Frames[^1].Scene!.Tracks[0].Box;
        Assert.InRange(last.X - Standing(100 + (6 * 29), 300).X, -2, 2);
    }

    [Fact]
    public void A_track_ends_after_LeaveAfterFrames_misses_in_a_row_with_person_left_and_how_long_it_was_tracked()
    {
        var options = new TrackingOptions();
        var camera = new TrackedCamera(options: options);
        const int Seen = 8;

        for (var frame = 0; frame < Seen + options.LeaveAfterFrames + 5; frame++)
        {
            camera.Step(frame < Seen ? [Standing(200 + (3 * frame), 300)] : []);
        }

        var endedAt = Seen - 1 + options.LeaveAfterFrames;
        var left = Assert.Single(camera.Events(Left));
        Assert.Equal(endedAt, left.Frame);
        Assert.Equal(Assert.Single(camera.Events(Appeared)).Event.TrackId, left.Event.TrackId);
        Assert.Equal((TimeOf(endedAt) - TimeOf(0)).TotalSeconds, left.Event.DwellSeconds);
        Assert.Single(camera.Frames[endedAt - 1].Scene!.Tracks);
        Assert.Empty(camera.Frames[endedAt].Scene!.Tracks);
    }

    [Fact]
    public void A_track_outside_the_scanned_regions_is_held_in_place_and_counts_no_miss()
    {
        var options = new TrackingOptions();
        var camera = new TrackedCamera(options: options);
        var person = Standing(100, 300);
        var elsewhere = new Detection(320, 0, 320, Height, 0);
        for (var frame = 0; frame < 5; frame++)
        {
            camera.Step(person);
        }
        var before = Assert.Single(camera.Frames[^1].Scene!.Tracks);

        // Nothing moved where the person stands: the detector looked only elsewhere, for many times the misses allowed.
        for (var frame = 0; frame < 3 * options.LeaveAfterFrames; frame++)
        {
            Assert.Equal(before, Assert.Single(camera.Step([], [elsewhere]).Scene!.Tracks));
        }
        Assert.Empty(camera.Events(Left));

        // Looked for where it stands and not found: now the misses count.
        var heldUntil = camera.Frames.Count;
        for (var frame = 0; frame < options.LeaveAfterFrames; frame++)
        {
            camera.Step([], [new Detection(0, 0, Width, Height, 0)]);
        }
        var left = Assert.Single(camera.Events(Left));
        Assert.Equal((heldUntil + options.LeaveAfterFrames - 1, before.Id), (left.Frame, left.Event.TrackId!.Value));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Tentative_tracks_that_miss_before_they_are_confirmed_vanish_without_events(int appearAfterFrames)
    {
        var camera = new TrackedCamera(options: new TrackingOptions { AppearAfterFrames = appearAfterFrames });

        // A false detection that lasts one frame less than a confirmation takes, twice, then one that lasts enough.
        for (var round = 0; round < 2; round++)
        {
            for (var frame = 0; frame < appearAfterFrames - 1; frame++)
            {
                camera.Step(Standing(300, 300));
            }
            camera.Step();
        }
        Assert.All(camera.Frames, frame => Assert.Empty(frame.Scene!.Tracks));
        Assert.Empty(camera.Events());

        for (var frame = 0; frame < appearAfterFrames; frame++)
        {
            camera.Step(Standing(300, 300));
        }
        var appeared = Assert.Single(camera.Events());
        Assert.Equal((Appeared, camera.Frames.Count - 1), (appeared.Event.Type, appeared.Frame));
    }

    [Fact]
    public void A_fast_object_jumping_more_than_its_size_each_frame_keeps_its_id_through_the_distance_fallback()
    {
        // 60 px a frame for a 40x50 box: consecutive boxes never overlap, so only the distance fallback (MaxJump
        // heights) can continue the track; the default 0.6 is for people at a few fps, so this object needs more.
        const int Step = 60, BoxWidth = 40, BoxHeight = 50, Frames = 10;
        var path = Enumerable.Range(0, Frames).Select(frame => new Detection(10 + (Step * frame), 200, BoxWidth, BoxHeight, 1)).ToArray();
        Assert.True(Step > BoxWidth && Step > BoxHeight, "the boxes of consecutive frames must not overlap");

        var fast = new TrackedCamera(options: new TrackingOptions { MaxJump = 2 });
        foreach (var box in path)
        {
            fast.Step(box);
        }
        var ids = fast.Frames.Skip(1).Select(frame => Assert.Single(frame.Scene!.Tracks).Id).Distinct();
        Assert.Equal(Assert.Single(fast.Events(Appeared)).Event.TrackId, Assert.Single(ids));
        Assert.InRange(fast.Frames[^1].Scene!.Tracks[0].Box.X - path[^1].X, -Step / 2, Step / 2);

        // The same path within the default reach: no detection continues the last one's track, none is ever confirmed.
        var defaults = new TrackedCamera();
        foreach (var box in path)
        {
            defaults.Step(box);
        }
        Assert.Empty(defaults.Events(Appeared));
    }
}
