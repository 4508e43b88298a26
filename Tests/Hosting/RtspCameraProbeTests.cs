using AspirePipeline.Hosting.Camera;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Tests.Hosting;

/// <summary>The camera health check asks what a reader asks (DESCRIBE), against the real GStreamer RTSP server.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class RtspCameraProbeTests
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_camera_that_streams_is_healthy()
    {
        await using var simulator = await CameraSimulatorProcess.StartAsync(320, 180, 10);

        var result = await RtspCameraProbe.ProbeAsync(new Uri(simulator.Url), ProbeTimeout, CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("video SDP", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_answers_RTSP_but_has_no_such_stream_is_unhealthy()
    {
        // OPTIONS succeeds on any path of this server; only DESCRIBE shows that nothing streams there.
        await using var simulator = await CameraSimulatorProcess.StartAsync(320, 180, 10);
        var wrongPath = new UriBuilder(simulator.Url) { Path = "/no-such-camera" }.Uri;

        var result = await RtspCameraProbe.ProbeAsync(wrongPath, ProbeTimeout, CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("404", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_is_unhealthy_and_the_password_is_not_shown()
    {
        var port = Ports.Unused();

        var result = await RtspCameraProbe.ProbeAsync(new Uri($"rtsp://admin:secret@127.0.0.1:{port}/stream"), ProbeTimeout, CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("does not answer RTSP", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_answers_match_the_RFC_2617_example()
    {
        // RFC 2617 section 3.5: the worked example, with its client nonce.
        var credentials = new CameraCredentials("Mufasa", "Circle Of Life");
        const string challenge = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
            + "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

        var answer = credentials.Answer(challenge, "GET", "/dir/index.html", "0a4f113b");

        Assert.Contains("response=\"6629fae49393a05397450978507c4ef1\"", answer, StringComparison.Ordinal);
        Assert.Contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", answer, StringComparison.Ordinal);
    }
}
