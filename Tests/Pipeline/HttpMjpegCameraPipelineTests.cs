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
        await using var camera = await CameraSimulatorProcess.StartAsync(320, 240, 10, serve: "http", credentials: "viewer:gate-pass");
        var url = new UriBuilder(camera.Url) { UserName = "viewer", Password = "gate-pass" }.Uri;
        await using var appHost = await RunningAppHost.StartAsync(
            [
                .. OwnTopology.DefaultsOff,
                $"--Cameras:{Camera}:Source={CameraSourceKinds.HttpMjpeg.Name}", $"--Parameters:{Camera}-url={url}",
                .. OwnTopology.MeanIntensityGroup(Group, GroupId),
            ],
            healthy: [Camera], Deadline);

        Assert.Equal([Camera], appHost.Topology.Cameras);
        await OwnTopology.AssertFramesArriveAsync(appHost, GroupId, Camera, 320, 240, Deadline);
        Assert.DoesNotContain("gate-pass", appHost.RecentOutput(), StringComparison.Ordinal);
    }
}
