using AspirePipeline.Producer;
using AspirePipeline.Producer.Sources;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Producer;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class CameraQueueTests
{
    [Fact]
    public void A_full_queue_drops_the_oldest_frames_counts_them_and_keeps_the_newest()
    {
        var dropped = 0;
        var queue = FrameProducerService.CreateQueue(capacity: 2, () => dropped++);
        var frames = Enumerable.Range(0, 5).Select(index => CapturedFrame.FromMat(new Mat(4, 4, MatType.CV_8UC3, new Scalar(index)))).ToList();

        foreach (var frame in frames)
        {
            Assert.True(queue.Writer.TryWrite(frame));
        }

        Assert.Equal(3, dropped);
        Assert.True(queue.Reader.TryRead(out var first));
        Assert.True(queue.Reader.TryRead(out var second));
        Assert.False(queue.Reader.TryRead(out _));
        Assert.Same(frames[3], first);
        Assert.Same(frames[4], second);
        // Dropped frames were released (their pixels freed), the kept ones were not.
        Assert.All(frames.Take(3), frame => Assert.True(frame.Image.IsDisposed));
        Assert.False(first.Image.IsDisposed);
        first.Dispose();
        second.Dispose();
    }
}
