using System.Diagnostics;
using AspirePipeline.Producer.Sources;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Producer;

/// <summary>How frames out of ffmpeg are given capture times from their presentation timestamps (showinfo lines).</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class PresentationTimelineTests
{
    private const long Start = 1_800_000_000_000_000; // a wall-clock time, in microseconds
    private const long FrameMicros = 66_667; // 15 fps

    [Fact]
    public void Frames_read_in_a_burst_keep_the_spacing_they_were_shown_with_and_none_is_stamped_after_it_arrived()
    {
        var timeline = new PresentationTimeline();
        for (var n = 0; n < 6; n++)
        {
            Assert.True(timeline.TryTake(Line(n, 1.4 + (n / 15.0))));
        }

        // Frame 0 on time; frames 1..5 all read at one moment, 300 ms after frame 5 was shown.
        var first = timeline.Stamp(0, At(Start), TimeSpan.Zero);
        var burstArrival = Start + (5 * FrameMicros) + 300_000;
        var burst = Enumerable.Range(1, 5).Select(n => timeline.Stamp(n, At(burstArrival), TimeSpan.Zero)).ToList();

        Assert.Equal(Start, first.UnixMicros);
        for (var n = 1; n <= 5; n++)
        {
            // Within the drift the offset may take up meanwhile: 1 ms a second, 0.6 ms here.
            Assert.InRange(burst[n - 1].UnixMicros - Start, (n * FrameMicros) - 1, (n * FrameMicros) + 700);
            Assert.True(burst[n - 1].UnixMicros <= burstArrival);
        }
        Assert.Equal(0, timeline.StampedOnArrival);
        // The monotonic stamp moves back with the wall-clock one (latency counts from the capture): frame 1 by 4 frames and 300 ms.
        var ticksBack = At(burstArrival).Ticks - burst[0].Ticks;
        Assert.InRange(ticksBack / (double)Stopwatch.Frequency, 0.5659, 0.5668);
    }

    [Fact]
    public void A_frame_that_arrives_sooner_than_the_first_one_moves_the_offset_earlier_and_none_is_stamped_after_its_arrival()
    {
        var timeline = new PresentationTimeline();
        timeline.TryTake(Line(0, 0));
        timeline.TryTake(Line(1, 1.0 / 15));
        // The first frame came 200 ms late (ffmpeg starting), the second on time.
        timeline.Stamp(0, At(Start + 200_000), TimeSpan.Zero);
        var second = timeline.Stamp(1, At(Start + FrameMicros), TimeSpan.Zero);

        Assert.Equal(Start + FrameMicros, second.UnixMicros);
    }

    [Fact]
    public void The_offset_follows_a_camera_clock_slower_than_this_machine_s_by_at_most_a_millisecond_a_second()
    {
        var timeline = new PresentationTimeline();
        // The camera's second lasts 1.0005 of ours: each frame arrives a little later than its timestamp says.
        var stamps = new List<(long Arrival, long Stamp)>();
        for (var n = 0; n <= 600; n++)
        {
            var shown = n / 15.0;
            timeline.TryTake(Line(n, shown));
            var arrival = Start + (long)(shown * 1.0005 * 1_000_000);
            stamps.Add((arrival, timeline.Stamp(n, At(arrival), TimeSpan.Zero).UnixMicros));
        }

        // After 40 s the camera is 20 ms behind; the stamps keep up within the drift allowed (about 1 ms a second).
        var (lastArrival, lastStamp) = stamps[^1];
        Assert.InRange(lastArrival - lastStamp, 0, 2_000);
        Assert.All(stamps, pair => Assert.True(pair.Stamp <= pair.Arrival));
    }

    [Fact]
    public void Timestamps_that_jump_back_start_the_offset_again_instead_of_stamping_frames_long_before_they_arrived()
    {
        var timeline = new PresentationTimeline();
        timeline.TryTake(Line(0, 100));
        timeline.TryTake(Line(1, 0.0));
        timeline.Stamp(0, At(Start), TimeSpan.Zero);

        var afterJump = timeline.Stamp(1, At(Start + FrameMicros), TimeSpan.Zero);

        Assert.Equal(Start + FrameMicros, afterJump.UnixMicros);
    }

    [Fact]
    public void A_frame_without_a_timestamp_or_without_its_line_is_stamped_on_arrival_and_counted()
    {
        var timeline = new PresentationTimeline();
        timeline.TryTake("[Parsed_showinfo_1 @ 0x55d0c5b0a8c0] n:   0 pts:NOPTS pts_time:NOPTS pos: -1 fmt:yuv420p");
        timeline.TryTake(Line(2, 0.2));

        Assert.Equal(Start, timeline.Stamp(0, At(Start), TimeSpan.Zero).UnixMicros);
        // Frame 1's line never came: frame 2's is already there, so there is nothing to wait for.
        Assert.Equal(Start + 10, timeline.Stamp(1, At(Start + 10), TimeSpan.FromSeconds(30)).UnixMicros);
        Assert.Equal(2, timeline.StampedOnArrival);
    }

    [Fact]
    public void An_ffmpeg_that_prints_no_timestamps_costs_one_wait_then_every_frame_is_stamped_on_arrival_at_once()
    {
        var timeline = new PresentationTimeline();
        var clock = Stopwatch.StartNew();

        Assert.Equal(Start, timeline.Stamp(0, At(Start), TimeSpan.FromMilliseconds(50)).UnixMicros);
        var firstWait = clock.Elapsed;
        for (var n = 1; n < 100; n++)
        {
            timeline.Stamp(n, At(Start + n), TimeSpan.FromSeconds(30));
        }

        Assert.True(firstWait >= TimeSpan.FromMilliseconds(50));
        // 99 frames that each waited would take 99 x 30 s; without waiting they take microseconds.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(100, timeline.StampedOnArrival);
    }

    [Theory]
    [InlineData("[Parsed_showinfo_0 @ 0x56210fdd3600] color_range:tv color_space:smpte170m color_primaries:smpte170m", true)]
    [InlineData("[Parsed_showinfo_0 @ 0x56210fdd3600] config in time_base: 1/90000, frame_rate: 15/1", true)]
    [InlineData("[rtsp @ 0x56210fd8a0c0] method SETUP failed: 461 Unsupported transport", false)]
    [InlineData("Output #0, mjpeg, to '/dev/stdout':", false)]
    public void The_filter_s_own_lines_are_taken_out_of_what_ffmpeg_prints_and_nothing_else_is(string line, bool taken)
    {
        var timeline = new PresentationTimeline();

        Assert.Equal(taken, timeline.TryTake(line));
        Assert.Equal(0, timeline.Reported);
    }

    // What ffmpeg 5.1's showinfo prints for a frame (checksum=0).
    private static string Line(long n, double seconds) => FormattableString.Invariant(
        $"[Parsed_showinfo_2 @ 0x56210fdd3600] n:{n,4} pts:{(long)(seconds * 90000),7} pts_time:{seconds:0.######} ") +
        "pos:       -1 fmt:yuv420p sar:1/1 s:640x360 i:P iskey:0 type:P ";

    private static CaptureStamp At(long micros) => new(micros, micros * (Stopwatch.Frequency / 1_000_000));
}
