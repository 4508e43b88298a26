using AspirePipeline.Contracts.Scene;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Scene;

/// <summary>Whether a point (the bottom centre of a person's box) is in a zone, for convex and concave zones.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class SceneZoneTests
{
    /// <summary>The default footage zone <c>plaza</c>: x 0.30 to 0.75, y 0.55 to 0.95.</summary>
    private static readonly string[] Plaza = ["0.30,0.55", "0.75,0.55", "0.75,0.95", "0.30,0.95"];

    /// <summary>A U: x 0.1 to 0.9, y 0.1 to 0.9, without the notch x 0.4 to 0.6 from the top down to y 0.6.</summary>
    private static readonly string[] Cup = ["0.1,0.1", "0.4,0.1", "0.4,0.6", "0.6,0.6", "0.6,0.1", "0.9,0.1", "0.9,0.9", "0.1,0.9"];

    [Theory]
    [InlineData(0.5, 0.75, true)]
    [InlineData(0.31, 0.94, true)]
    [InlineData(0.74, 0.56, true)]
    [InlineData(0.5, 0.5, false)] // above it
    [InlineData(0.5, 0.97, false)] // below it
    [InlineData(0.2, 0.75, false)] // left of it
    [InlineData(0.8, 0.75, false)] // right of it
    [InlineData(0.1, 0.1, false)]
    public void A_rectangle_holds_the_points_between_its_sides(double x, double y, bool inside)
    {
        Assert.Equal(inside, Zone(Plaza).Contains(new ScenePoint(x, y)));
        // The corners' order, clockwise or not, does not matter.
        Assert.Equal(inside, Zone([.. Plaza.Reverse()]).Contains(new ScenePoint(x, y)));
    }

    [Theory]
    [InlineData(0.25, 0.3, true)] // the left arm
    [InlineData(0.75, 0.3, true)] // the right arm
    [InlineData(0.5, 0.8, true)] // the bottom, under the notch
    [InlineData(0.5, 0.3, false)] // in the notch: between the arms, inside the U's bounding box
    [InlineData(0.5, 0.59, false)]
    [InlineData(0.45, 0.15, false)]
    [InlineData(0.95, 0.5, false)]
    [InlineData(0.5, 0.05, false)]
    public void A_concave_zone_leaves_out_its_notch(double x, double y, bool inside)
    {
        Assert.Equal(inside, Zone(Cup).Contains(new ScenePoint(x, y)));
        Assert.Equal(inside, Zone([.. Cup.Reverse()]).Contains(new ScenePoint(x, y)));
    }

    private static SceneZone Zone(string[] points) =>
        SceneZone.Read("zone", new ZoneSettings { Points = [.. points] }, $"{ConfiguredScene.Entry}:Zones:zone");
}
