using AspirePipeline.Producer;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Producer;

/// <summary>How the frames a camera's stream never delivered are told from its capture times.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class FrameGapsTests
{
    private const long Start = 1_800_000_000_000_000;
    private const long Interval = 100_000; // 10 fps

    [Fact]
    public void A_steady_stream_misses_nothing()
    {
        var gaps = new FrameGaps();
        Assert.All(Enumerable.Range(0, 50), n => Assert.Equal(0, gaps.OnFrame(Start + (n * Interval), timedByStream: true).Missing));
    }

    [Fact]
    public void Skipped_presentation_times_are_a_stream_gap_of_the_frames_left_out()
    {
        var gaps = Steady(out var at);
        Assert.Equal((1, MissReasons.StreamGap), gaps.OnFrame(at += 2 * Interval, timedByStream: true));
        Assert.Equal((3, MissReasons.StreamGap), gaps.OnFrame(at += 4 * Interval, timedByStream: true));
        // A gap's spacing is not taken for the interval: the next frame on time is no gap, the next skip is one frame again.
        Assert.Equal(0, gaps.OnFrame(at += Interval, timedByStream: true).Missing);
        Assert.Equal(1, gaps.OnFrame(at + (2 * Interval) + 3_000, timedByStream: true).Missing);
    }

    [Fact]
    public void Frames_stamped_on_arrival_in_a_burst_are_no_gap()
    {
        var gaps = new FrameGaps();
        var at = Start;
        for (var n = 0; n < 20; n++)
        {
            gaps.OnFrame(at += Interval, timedByStream: false);
        }
        // Held back 400 ms, then three at once: arrival stamps say nothing of what the camera sent.
        Assert.Equal(0, gaps.OnFrame(at += 4 * Interval, timedByStream: false).Missing);
        Assert.Equal(0, gaps.OnFrame(at, timedByStream: false).Missing);
    }

    [Fact]
    public void The_time_a_stream_was_lost_counts_the_frames_the_camera_sent_meanwhile()
    {
        var gaps = Steady(out var at);
        gaps.OnReconnected();
        // Lost for 20 s: the camera sent 199 frames between the last one before and the first one after.
        Assert.Equal((199, MissReasons.StreamLost), gaps.OnFrame(at + (200 * Interval), timedByStream: false));
        Assert.Equal((0, MissReasons.StreamGap), gaps.OnFrame(at + (201 * Interval), timedByStream: true));
    }

    [Fact]
    public void A_start_stamped_on_arrival_in_a_burst_does_not_make_every_later_spacing_a_gap()
    {
        var gaps = new FrameGaps();
        var at = Start;
        // ffmpeg's first frames, without their presentation times, read off the pipe at once.
        for (var n = 0; n < 6; n++)
        {
            gaps.OnFrame(at += 20, timedByStream: false);
        }
        var missed = Enumerable.Range(0, 40).Sum(_ => gaps.OnFrame(at += Interval, timedByStream: true).Missing);
        Assert.Equal(0, missed);
    }

    [Fact]
    public void A_stream_stamped_on_arrival_counts_its_loss_from_the_mean_spacing()
    {
        var gaps = new FrameGaps();
        var at = Start;
        for (var n = 0; n < 16; n++)
        {
            // Bursts of three: 300 ms, then 0 and 0.
            gaps.OnFrame(at += n % 3 == 0 ? 3 * Interval : 0, timedByStream: false);
        }
        gaps.OnReconnected();
        Assert.Equal((99, MissReasons.StreamLost), gaps.OnFrame(at + (100 * Interval), timedByStream: false));
    }

    [Fact]
    public void Nothing_is_counted_before_the_interval_is_known()
    {
        var gaps = new FrameGaps();
        gaps.OnReconnected();
        Assert.Equal(0, gaps.OnFrame(Start, timedByStream: true).Missing);
        Assert.Equal(0, gaps.OnFrame(Start + (10 * Interval), timedByStream: true).Missing);
        Assert.Equal(0, gaps.OnFrame(Start + (30 * Interval), timedByStream: true).Missing);
    }

    private static FrameGaps Steady(out long at)
    {
        var gaps = new FrameGaps();
        at = Start;
        for (var n = 0; n < 20; n++)
        {
            gaps.OnFrame(at += Interval, timedByStream: true);
        }
        return gaps;
    }
}
