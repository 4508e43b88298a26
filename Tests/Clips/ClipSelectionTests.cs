using AspirePipeline.Clips.Kafka;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Clips;

/// <summary>Which access units a clip is made of.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ClipSelectionTests
{
    private static readonly DateTimeOffset Zero = DateTimeOffset.FromUnixTimeMilliseconds(1_796_653_800_000);

    // Ten frames a second, a keyframe every second, from 0 to 2.9 s.
    private static readonly SpooledUnit[] Units = [.. Enumerable.Range(0, 30).Select(i =>
        new SpooledUnit(0, 100 + i, Zero.ToUnixTimeMilliseconds() + i * 100, Zero.AddMilliseconds(i * 100), i % 10 == 0, i * 188, 188))];

    [Fact]
    public void It_starts_at_the_last_keyframe_at_or_before_from_and_ends_at_the_last_unit_at_or_before_to()
    {
        var selection = ClipSelection.Choose(Units.Where(u => u.TimestampMs <= At(2450)), Zero.AddMilliseconds(1550), Zero.AddMilliseconds(2450))!;

        Assert.False(selection.StartsAfterFrom);
        Assert.Equal(Enumerable.Range(110, 15).Select(offset => (long)offset), selection.Units.Select(unit => unit.Offset));
        Assert.Equal(Zero.AddMilliseconds(1000), selection.FirstCapture);
        Assert.Equal(Zero.AddMilliseconds(2400), selection.LastCapture);
    }

    [Fact]
    public void A_keyframe_exactly_at_from_is_where_it_starts()
    {
        var selection = ClipSelection.Choose(Units, Zero.AddMilliseconds(2000), Zero.AddMilliseconds(2900))!;

        Assert.Equal(120, selection.Units[0].Offset);
    }

    [Fact]
    public void Without_a_keyframe_before_from_it_starts_at_the_first_after_and_says_so()
    {
        var read = Units.Where(u => u.Offset >= 103).ToList();

        var selection = ClipSelection.Choose(read, Zero.AddMilliseconds(500), Zero.AddMilliseconds(2900))!;

        Assert.True(selection.StartsAfterFrom);
        Assert.Equal(110, selection.Units[0].Offset);
    }

    [Fact]
    public void Without_any_keyframe_there_is_no_clip()
    {
        Assert.Null(ClipSelection.Choose(Units.Where(u => u.Offset is > 100 and < 110), Zero, Zero.AddMilliseconds(950)));
    }

    [Fact]
    public void Units_read_from_two_partitions_are_put_in_capture_order()
    {
        var split = Units.Select(unit => unit.Offset % 2 == 0 ? unit : unit with { Partition = 1, Offset = unit.Offset + 1000 }).Reverse();

        var selection = ClipSelection.Choose(split, Zero.AddMilliseconds(1050), Zero.AddMilliseconds(1950))!;

        Assert.Equal(Enumerable.Range(10, 10).Select(i => Zero.AddMilliseconds(i * 100)), selection.Units.Select(unit => unit.CaptureTime));
    }

    private static long At(int milliseconds) => Zero.AddMilliseconds(milliseconds).ToUnixTimeMilliseconds();
}
