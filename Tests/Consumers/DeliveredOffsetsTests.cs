using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspirePipeline.Tests.Consumers;

/// <summary>When a consumed frame's offset may be stored for commit: once it and every frame before it are done.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class DeliveredOffsetsTests
{
    private static readonly TopicPartition Partition = new("frames", 0);
    private readonly List<long> _stored = [];

    [Fact]
    public void A_frame_is_stored_only_once_its_result_is_acknowledged()
    {
        var offsets = Offsets();
        var frame = offsets.Begin(Partition, 10);
        offsets.Expect(frame);
        offsets.Done(frame);
        Assert.Empty(_stored);

        offsets.Done(frame);
        Assert.Equal([11], _stored);
        Assert.Equal(0, offsets.Count);
    }

    [Fact]
    public void Acknowledgements_out_of_order_store_nothing_past_a_frame_still_waiting()
    {
        var offsets = Offsets();
        var frames = Enumerable.Range(0, 3).Select(offset => offsets.Begin(Partition, offset)).ToList();
        frames.ForEach(offsets.Expect);
        frames.ForEach(offsets.Done);

        // Frame 2's result is acknowledged before frame 0's and 1's.
        offsets.Done(frames[2]);
        Assert.Empty(_stored);
        offsets.Done(frames[0]);
        Assert.Equal([1], _stored);
        offsets.Done(frames[1]);
        Assert.Equal([1, 3], _stored);
    }

    [Fact]
    public void A_frame_with_nothing_to_write_is_done_with_its_processing()
    {
        var offsets = Offsets();
        offsets.Done(offsets.Begin(Partition, 5));
        Assert.Equal([6], _stored);
    }

    [Fact]
    public void A_forgotten_partition_stores_nothing_more_and_a_new_assignment_starts_afresh()
    {
        var offsets = Offsets();
        var old = offsets.Begin(Partition, 7);
        offsets.Expect(old);
        offsets.Done(old);
        offsets.Forget([Partition]);
        Assert.False(offsets.IsPending(old));

        // Assigned again: a frame at the same offset is a new one; the old acknowledgement arriving late is ignored.
        var again = offsets.Begin(Partition, 7);
        offsets.Expect(again);
        offsets.Done(again);
        offsets.Done(old);
        Assert.Empty(_stored);
        offsets.Done(again);
        Assert.Equal([8], _stored);
    }

    [Fact]
    public void Partitions_are_kept_apart()
    {
        var offsets = Offsets();
        var waiting = offsets.Begin(Partition, 0);
        offsets.Expect(waiting);
        offsets.Done(waiting);
        offsets.Done(offsets.Begin(new TopicPartition("frames", 1), 0));
        Assert.Equal([1], _stored);
        Assert.Equal(1, offsets.Count);
    }

    private DeliveredOffsets Offsets() => new(offset => _stored.Add(offset.Offset.Value), NullLogger<DeliveredOffsets>.Instance);
}
