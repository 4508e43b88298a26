using AspirePipeline.Contracts.Scene;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Scene;

/// <summary>
/// <see cref="CameraScene.ToConfiguration"/> writes a scene as the keys the groups read back (the AppHost passes them as
/// <c>Scene__Cameras__{id}__...</c> environment variables): read back, they give the same scene.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class CameraSceneConfigurationTests
{
    private const string Prefix = $"{CameraScene.ServiceSectionName}:footage";

    /// <summary>The default footage camera's zone and line, and another of each, unlike them.</summary>
    private static readonly string[] Settings =
    [
        "Zones:plaza:Points:0=0.30,0.55", "Zones:plaza:Points:1=0.75,0.55", "Zones:plaza:Points:2=0.75,0.95",
        "Zones:plaza:Points:3=0.30,0.95", "Zones:plaza:MinDwell=00:00:20",
        "Zones:door_2:Points:0=0.0,0.0", "Zones:door_2:Points:1=1,0", "Zones:door_2:Points:2=0.1234,0.5678",
        "Lines:crossing:From=0.10,0.70", "Lines:crossing:To=0.90,0.70", "Lines:crossing:In=down",
        "Lines:Exit-West:From=0.05,0.1", "Lines:Exit-West:To=0.05,0.9", "Lines:Exit-West:In=Left",
        "MotionMasks:clock:Points:0=0.7,0.8", "MotionMasks:clock:Points:1=1,0.8", "MotionMasks:clock:Points:2=1,1",
    ];

    [Fact]
    public void A_scene_is_written_as_configuration_keys_under_the_prefix()
    {
        var scene = ConfiguredScene.Read(Settings);

        Assert.Equal(
            new Dictionary<string, string>
            {
                [$"{Prefix}:Zones:door_2:Points:0"] = "0,0",
                [$"{Prefix}:Zones:door_2:Points:1"] = "1,0",
                [$"{Prefix}:Zones:door_2:Points:2"] = "0.1234,0.5678",
                [$"{Prefix}:Zones:plaza:Points:0"] = "0.3,0.55",
                [$"{Prefix}:Zones:plaza:Points:1"] = "0.75,0.55",
                [$"{Prefix}:Zones:plaza:Points:2"] = "0.75,0.95",
                [$"{Prefix}:Zones:plaza:Points:3"] = "0.3,0.95",
                [$"{Prefix}:Zones:plaza:MinDwell"] = "00:00:20",
                [$"{Prefix}:Lines:crossing:From"] = "0.1,0.7",
                [$"{Prefix}:Lines:crossing:To"] = "0.9,0.7",
                [$"{Prefix}:Lines:crossing:In"] = "down",
                [$"{Prefix}:Lines:Exit-West:From"] = "0.05,0.1",
                [$"{Prefix}:Lines:Exit-West:To"] = "0.05,0.9",
                [$"{Prefix}:Lines:Exit-West:In"] = "left",
                [$"{Prefix}:MotionMasks:clock:Points:0"] = "0.7,0.8",
                [$"{Prefix}:MotionMasks:clock:Points:1"] = "1,0.8",
                [$"{Prefix}:MotionMasks:clock:Points:2"] = "1,1",
            },
            scene.ToConfiguration(Prefix).ToDictionary());
    }

    [Fact]
    public void Read_back_through_the_binder_the_configuration_is_the_same_scene()
    {
        var scene = ConfiguredScene.Read(Settings);
        Assert.Equal(2, scene.Zones.Count);
        Assert.Equal(2, scene.Lines.Count);
        Assert.Single(scene.MotionMasks);

        var readBack = ConfiguredScene.Read(scene.ToConfiguration(Prefix), Prefix);

        Assert.Equal(scene.CameraId, readBack.CameraId);
        Assert.Equal(scene.Zones.Select(zone => zone.Name), readBack.Zones.Select(zone => zone.Name));
        foreach (var (zone, back) in scene.Zones.Zip(readBack.Zones))
        {
            Assert.Equal(zone.Points, back.Points);
            Assert.Equal(zone.MinDwell, back.MinDwell);
        }
        Assert.Equal(scene.Lines, readBack.Lines);
        Assert.Equal(scene.MotionMasks.Single().Points, readBack.MotionMasks.Single().Points);
        Assert.Equal("clock", readBack.MotionMasks.Single().Name);
        Assert.Equal(TimeSpan.FromSeconds(20), readBack.Zones.Single(zone => zone.Name == "plaza").MinDwell);
        Assert.Null(readBack.Zones.Single(zone => zone.Name == "door_2").MinDwell);
    }

    [Fact]
    public void An_empty_scene_writes_nothing()
    {
        Assert.Empty(CameraScene.Empty("camera").ToConfiguration($"{CameraScene.ServiceSectionName}:camera"));
        Assert.Empty(ConfiguredScene.Read(["Source=Simulator"]).ToConfiguration(Prefix));
    }
}
