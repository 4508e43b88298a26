using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class LiveViewTests
{
    [Fact]
    public void The_hub_wants_no_frame_without_viewers_and_at_most_one_per_interval()
    {
        var time = new ManualTimeProvider();
        var hub = new LiveFrameHub(Options.Create(new LiveViewOptions { MaxFps = 10 }), time);

        Assert.False(hub.WantsFrame());
        using (hub.AddViewer())
        {
            Assert.True(hub.WantsFrame());
            hub.Publish([1]);
            Assert.False(hub.WantsFrame());
            time.Advance(TimeSpan.FromMilliseconds(99));
            Assert.False(hub.WantsFrame());
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(hub.WantsFrame());
        }
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(hub.WantsFrame());
        Assert.Equal(0, hub.Viewers);
    }

    [Fact]
    public async Task A_waiting_stream_gets_the_next_published_frame()
    {
        var hub = new LiveFrameHub(Options.Create(new LiveViewOptions()), TimeProvider.System);
        hub.Publish([1]);

        var next = hub.NextFrameAsync(version: 1, CancellationToken.None);
        Assert.False(next.IsCompleted);
        hub.Publish([2]);
        var frame = await next.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, frame.Version);
        Assert.Equal([2], frame.Jpeg);
    }

    [Fact]
    public void The_overlay_is_a_jpeg_of_the_frame_shrunk_to_the_maximum_width()
    {
        var renderer = new OverlayRenderer(Options.Create(new LiveViewOptions { MaxWidth = 640 }));
        using var image = new Mat(720, 1280, MatType.CV_8UC3, new Scalar(0, 0, 200));
        var analysis = new FrameAnalysis(123.4, [new("red", 200)]);

        var jpeg = renderer.Render(image, "mean-intensity", "cam", 7, analysis, 29.9);

        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.Equal(new Size(640, 360), decoded.Size());
        // The text panel sits top-left on a black box; the rest of the frame keeps its colour.
        Assert.True(decoded.At<Vec3b>(2, 2).Item2 < 40);
        Assert.InRange(decoded.At<Vec3b>(300, 600).Item2, 180, 220);
    }

    private sealed class ManualTimeProvider : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
