using AspirePipeline.Contracts;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// The README's recipe for a camera source type, proved end to end with the one it added: an HTTP Motion JPEG camera
/// (<c>Cameras:gate:Source=HttpMjpeg</c>, its URL with credentials as the secret parameter <c>gate-url</c>) is probed by
/// the AppHost's HTTP health check, read by the producer through ffmpeg, and analysed by a consumer group.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class HttpMjpegCameraPipelineTests
{
    private const string Camera = "gate";
    private const string Group = "audit";
    private const string GroupId = "audit-http-camera";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task An_http_motion_jpeg_camera_of_the_site_carries_frames_into_a_groups_results()
    {
        await using var camera = await RtspSimulatorProcess.StartAsync(320, 240, 10, serve: "http", credentials: "viewer:gate-pass");
        var url = new UriBuilder(camera.Url) { UserName = "viewer", Password = "gate-pass" }.Uri;
        await using var appHost = await RunningAppHost.StartAsync(
            [
                "--Camera:Mode=Process",
                "--Cameras:camera:Enabled=false", "--Cameras:footage:Enabled=false",
                "--Pipeline:Groups:consumer:Enabled=false", "--Pipeline:Groups:consumer2:Enabled=false", "--Pipeline:Groups:people:Enabled=false",
                $"--Cameras:{Camera}:Source={CameraSourceKinds.HttpMjpeg.Name}", $"--Parameters:{Camera}-url={url}",
                $"--Pipeline:Groups:{Group}:Project=Consumer2", $"--Pipeline:Groups:{Group}:GroupId={GroupId}",
                $"--Pipeline:Groups:{Group}:Analyzer=mean-intensity",
            ],
            healthy: [Camera], Deadline);

        Assert.Equal([Camera], appHost.Topology.Cameras);
        await using var results = new ResultsCollector(await appHost.ConnectionStringAsync(ConnectionNames.Kafka), FrameTopics.Analysis);
        var all = await results.WaitUntilAsync(
            seen => seen.Count(r => r.Group == GroupId && r.Camera == Camera) >= 20,
            Deadline,
            seen => $"{seen.Count} results ({string.Join(", ", seen.Select(r => $"{r.Group}/{r.Camera}").Distinct())})\n{appHost.RecentOutput()}");

        var ours = all.Where(r => r.Group == GroupId).ToList();
        Assert.All(ours, r => Assert.Equal((Camera, "mean-intensity", 320, 240), (r.Camera, r.Analyzer, r.Width, r.Height)));
        var sequences = ours.Select(r => r.Sequence!.Value).Distinct().Order().ToList();
        Assert.Equal(sequences[^1] - sequences[0] + 1, sequences.Count);
        Assert.DoesNotContain("gate-pass", appHost.RecentOutput(), StringComparison.Ordinal);
    }
}
