using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class SequenceTrackerTests
{
    [Fact]
    public void Consecutive_frames_gaps_and_repeats_are_told_apart_per_camera()
    {
        var tracker = new SequenceTracker();

        Assert.Equal(SequenceStepKind.First, tracker.Observe("a", 5).Kind);
        Assert.Equal(new SequenceStep(SequenceStepKind.Next, 0), tracker.Observe("a", 6));
        Assert.Equal(new SequenceStep(SequenceStepKind.Gap, 3), tracker.Observe("a", 10));
        Assert.Equal(SequenceStepKind.First, tracker.Observe("b", 0).Kind);
        Assert.Equal(new SequenceStep(SequenceStepKind.Repeat, 3), tracker.Observe("a", 8));
        // A repeat does not move the high mark back: the next new frame follows 10.
        Assert.Equal(new SequenceStep(SequenceStepKind.Next, 0), tracker.Observe("a", 11));
        Assert.Equal(new SequenceStep(SequenceStepKind.Next, 0), tracker.Observe("b", 1));
    }

    [Fact]
    public void Too_many_cameras_start_the_tracking_over_instead_of_growing()
    {
        var tracker = new SequenceTracker(maxCameras: 2);
        tracker.Observe("a", 1);
        tracker.Observe("b", 1);

        tracker.Observe("c", 1);

        Assert.Equal(SequenceStepKind.First, tracker.Observe("a", 2).Kind);
    }

    [Fact]
    public void Cameras_of_a_partition_whose_offsets_jumped_start_afresh_the_others_keep_their_gaps()
    {
        var tracker = new SequenceTracker();
        tracker.Observe("a", 1, partition: 0);
        tracker.Observe("b", 1, partition: 1);

        tracker.ForgetPartition(0);

        Assert.Equal(SequenceStepKind.First, tracker.Observe("a", 50, partition: 0).Kind);
        Assert.Equal(new SequenceStep(SequenceStepKind.Gap, 48), tracker.Observe("b", 50, partition: 1));
    }
}
