using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts.Scene;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Hosting;

/// <summary>
/// A camera's zones, lines and motion masks (<c>Cameras:{id}:Zones</c>, <c>:Lines</c>, <c>:MotionMasks</c>) are checked
/// when the AppHost builds its model and reach every group watching the camera as <c>Scene__Cameras__{id}__...</c>, the keys its service reads.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class CameraSceneSettingsTests
{
    private const string ScenePrefix = "Scene__Cameras__";

    private static readonly string[] Base = ["--Kafka:Mode=Broker", "--Camera:Mode=Process"];

    [Fact]
    public async Task The_footage_cameras_zone_and_line_reach_every_group_watching_it()
    {
        await using var app = await AppModel.BuildAsync(Base);

        var footage = Scene(app.Single<CameraSimulatorResource>("footage"));
        Assert.Equal(["plaza"], footage.Zones.Select(zone => zone.Name));
        Assert.Equal(["crossing"], footage.Lines.Select(line => line.Name));
        Assert.True(Scene(app.Single<CameraSimulatorResource>("camera")).IsEmpty);

        var expected = Environment(footage);
        Assert.Contains("Scene__Cameras__footage__Zones__plaza__Points__0", expected.Keys);
        Assert.Contains("Scene__Cameras__footage__Zones__plaza__MinDwell", expected.Keys);
        Assert.Contains("Scene__Cameras__footage__Lines__crossing__In", expected.Keys);
        var groups = PipelineTopology.Of(app.Resources).GroupsOf("footage").Select(group => group.Resource).ToList();
        // people watches footage only; consumer and consumer2 watch every camera.
        Assert.Equal(["consumer", "consumer2", "people"], groups);
        foreach (var group in groups)
        {
            Assert.Equal(expected, SceneEnvironment(await AppModel.EnvironmentAsync(app.Single<ProjectResource>(group))));
        }
        Assert.DoesNotContain(ScenePrefix, string.Concat(
            (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"))).Keys), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_gets_the_zones_lines_and_masks_of_the_cameras_it_watches_and_no_others()
    {
        await using var app = await AppModel.BuildAsync([.. Base,
            "--Cameras:camera:Zones:gate:Points:0=0.1,0.2", "--Cameras:camera:Zones:gate:Points:1=0.4,0.2",
            "--Cameras:camera:Zones:gate:Points:2=0.25,0.6",
            "--Cameras:camera:Lines:door:From=0.5,0.1", "--Cameras:camera:Lines:door:To=0.5,0.9", "--Cameras:camera:Lines:door:In=Left",
            "--Cameras:camera:MotionMasks:clock:Points:0=0.7,0.8", "--Cameras:camera:MotionMasks:clock:Points:1=1,0.8",
            "--Cameras:camera:MotionMasks:clock:Points:2=1,1",
            "--Pipeline:Groups:audit:Project=Consumer", "--Pipeline:Groups:audit:GroupId=audit-1",
            "--Pipeline:Groups:audit:Analyzer=people", "--Pipeline:Groups:audit:Cameras:0=camera"]);

        var audit = SceneEnvironment(await AppModel.EnvironmentAsync(app.Single<ProjectResource>("audit")));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["Scene__Cameras__camera__Zones__gate__Points__0"] = "0.1,0.2",
                ["Scene__Cameras__camera__Zones__gate__Points__1"] = "0.4,0.2",
                ["Scene__Cameras__camera__Zones__gate__Points__2"] = "0.25,0.6",
                ["Scene__Cameras__camera__Lines__door__From"] = "0.5,0.1",
                ["Scene__Cameras__camera__Lines__door__To"] = "0.5,0.9",
                ["Scene__Cameras__camera__Lines__door__In"] = "left",
                ["Scene__Cameras__camera__MotionMasks__clock__Points__0"] = "0.7,0.8",
                ["Scene__Cameras__camera__MotionMasks__clock__Points__1"] = "1,0.8",
                ["Scene__Cameras__camera__MotionMasks__clock__Points__2"] = "1,1",
            },
            audit);

        var camera = Environment(Scene(app.Single<CameraSimulatorResource>("camera")));
        var footage = Environment(Scene(app.Single<CameraSimulatorResource>("footage")));
        Assert.Equal(footage, SceneEnvironment(await AppModel.EnvironmentAsync(app.Single<ProjectResource>("people"))));
        Assert.Equal(camera.Concat(footage).ToDictionary(),
            SceneEnvironment(await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer"))));
    }

    [Fact]
    public async Task Cameras_without_zones_or_lines_give_the_groups_nothing()
    {
        await using var app = await AppModel.BuildAsync([.. Base, "--Cameras:footage:Enabled=false"]);

        Assert.True(Scene(app.Single<CameraSimulatorResource>("camera")).IsEmpty);
        foreach (var group in PipelineTopology.Of(app.Resources).Groups)
        {
            Assert.Empty(SceneEnvironment(await AppModel.EnvironmentAsync(app.Single<ProjectResource>(group.Resource))));
        }
    }

    [Theory]
    // A zone of fewer than 3 points.
    [InlineData("Cameras:footage:Zones:bad:Points", "--Cameras:footage:Zones:bad:Points:0=0.1,0.1", "--Cameras:footage:Zones:bad:Points:1=0.9,0.1")]
    // A coordinate outside 0..1.
    [InlineData("Cameras:footage:Zones:plaza:Points:2", "--Cameras:footage:Zones:plaza:Points:2=0.75,1.2")]
    [InlineData("Cameras:footage:Lines:crossing:From", "--Cameras:footage:Lines:crossing:From=-0.1,0.7")]
    // A line of zero length.
    [InlineData("Cameras:footage:Lines:crossing", "--Cameras:footage:Lines:crossing:To=0.78,0.50")]
    // An In that is no direction, or one along the line.
    [InlineData("Cameras:footage:Lines:crossing:In", "--Cameras:footage:Lines:crossing:In=inwards")]
    [InlineData("Cameras:footage:Lines:crossing:In", "--Cameras:footage:Lines:crossing:In=down")]
    [InlineData("Cameras:camera:Lines:door:In", "--Cameras:camera:Lines:door:From=0.5,0.1", "--Cameras:camera:Lines:door:To=0.5,0.9")]
    // A motion mask that is no polygon.
    [InlineData("Cameras:camera:MotionMasks:clock:Points", "--Cameras:camera:MotionMasks:clock:Points:0=0.7,0.8",
        "--Cameras:camera:MotionMasks:clock:Points:1=1,0.8")]
    // A name that cannot be an event's or a metric tag's.
    [InlineData("Cameras:footage:Zones:north gate", "--Cameras:footage:Zones:north gate:Points:0=0.1,0.1",
        "--Cameras:footage:Zones:north gate:Points:1=0.9,0.1", "--Cameras:footage:Zones:north gate:Points:2=0.5,0.9")]
    // A MinDwell that is no time (the binder's error), or not a positive one.
    [InlineData("Cameras:footage:Zones:plaza:MinDwell", "--Cameras:footage:Zones:plaza:MinDwell=20s")]
    [InlineData("Cameras:footage:Zones:plaza:MinDwell", "--Cameras:footage:Zones:plaza:MinDwell=00:00:00")]
    // A misspelt key, which would otherwise be ignored (here: no loitering at all).
    [InlineData("Cameras:footage:Zones:plaza", "--Cameras:footage:Zones:plaza:MinDwel=00:00:30")]
    [InlineData("Cameras:footage:Lines:crossing", "--Cameras:footage:Lines:crossing:Direction=down")]
    public async Task Geometry_that_cannot_work_stops_the_apphost_naming_its_configuration_path(string path, params string[] arguments)
    {
        var failure = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => AppModel.BuildAsync([.. Base, .. arguments]));

        Assert.Contains($"'{path}'", failure.Message, StringComparison.Ordinal);
    }

    private static CameraScene Scene(IResource camera) => Assert.Single(camera.Annotations.OfType<CameraSceneAnnotation>()).Scene;

    /// <summary>The environment variables a group watching the camera of <paramref name="scene"/> gets for it.</summary>
    private static Dictionary<string, string> Environment(CameraScene scene) =>
        scene.ToConfiguration($"{CameraScene.ServiceSectionName}:{scene.CameraId}")
            .ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);

    private static Dictionary<string, string> SceneEnvironment(Dictionary<string, object> environment) =>
        environment.Where(pair => pair.Key.StartsWith(ScenePrefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key, pair => Assert.IsType<string>(pair.Value));
}
