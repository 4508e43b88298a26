using System.Text.Json;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.LiveView;

/// <summary><c>/stats</c> as the live view page reads it (LiveViewPage's script names these fields).</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class LiveStatsTests
{
    [Fact]
    public void Stats_carry_each_camera_s_track_count_zone_occupancy_and_line_counts()
    {
        var scene = new SceneState(
            [new TrackedObject(12, new Detection(1, 2, 3, 4, 1)), new TrackedObject(7, new Detection(5, 6, 7, 8, 1))],
            [new ZoneOccupancy("plaza", 1)],
            [new LineCount("crossing", 3, 1)]);
        var stats = new LiveStats("consumerGroup_people", PeopleDetector.AnalyzerName, "host-1", "frames", StatisticsSnapshot.Empty, [], "wall")
        {
            Scenes = [LiveScene.From("footage", scene)],
        };

        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(stats, FrameProcessingJsonContext.Default.LiveStats));

        var camera = Assert.Single(json.RootElement.GetProperty("scenes").EnumerateArray());
        Assert.Equal("footage", camera.GetProperty("camera").GetString());
        Assert.Equal(2, camera.GetProperty("tracks").GetInt32());
        var zone = Assert.Single(camera.GetProperty("zones").EnumerateArray());
        Assert.Equal(("plaza", 1), (zone.GetProperty("zone").GetString(), zone.GetProperty("count").GetInt32()));
        var line = Assert.Single(camera.GetProperty("lines").EnumerateArray());
        Assert.Equal(("crossing", 3L, 1L),
            (line.GetProperty("line").GetString(), line.GetProperty("in").GetInt64(), line.GetProperty("out").GetInt64()));
    }

    [Fact]
    public void Stats_of_an_untracked_analysis_have_no_scenes()
    {
        var stats = new LiveStats("consumerGroup_1", "mean-intensity", "host-1", "frames", StatisticsSnapshot.Empty, [], "wall");

        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(stats, FrameProcessingJsonContext.Default.LiveStats));

        Assert.Empty(json.RootElement.GetProperty("scenes").EnumerateArray());
    }
}
