using System.Net;
using System.Net.Sockets;
using System.Text;
using AspirePipeline.Frames;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenCvSharp;

namespace AspirePipeline.Tests.Producer;

/// <summary>
/// A broker process and the simulator as an HTTP Motion JPEG camera with a login (<c>--serve http --credentials</c>).
/// </summary>
public sealed class HttpMjpegCameraFixture()
    : ProducerFixture(cameraCodec: null, serve: "http", credentials: $"{HttpMjpegCameraFixture.User}:{HttpMjpegCameraFixture.Password}")
{
    public const string User = "viewer";
    public const string Password = "s3cret-pass";

    /// <summary>The camera's URL with its credentials, as a site would configure it.</summary>
    public string UrlWithCredentials => new UriBuilder(Camera.Url) { UserName = User, Password = Password }.Uri.ToString();
}

/// <summary>
/// An HTTP Motion JPEG camera (<c>multipart/x-mixed-replace</c>, the kind <c>CameraSourceKinds.HttpMjpeg</c>) through the
/// real producer (Debian's ffmpeg reading it over HTTP with the URL's credentials) to the real broker, and the health
/// check the AppHost gives such a camera, against the simulator's real HTTP server.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class HttpMjpegCameraTests(HttpMjpegCameraFixture fixture) : IClassFixture<HttpMjpegCameraFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_http_motion_jpeg_camera_is_published_as_its_own_jpegs_with_the_usual_headers()
    {
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "http-cam",
            ["Producer:Cameras:0:Url"] = fixture.UrlWithCredentials,
        });
        using var consumer = fixture.Consumer(topic);

        var messages = ProducerFixture.Consume(consumer, 20, Deadline);

        ProducerFixture.AssertJpegFrames(messages, "http-cam");

        // The camera's own picture: the simulator's background is (B, G, R) = (128, 96, 64).
        var last = messages[^1].Message;
        using var frame = FrameDecoder.Decode(last.Value, last.Headers.AsLookup());
        var mean = Cv2.Mean(frame.Image);
        Assert.InRange(mean.Val0, 110, 150);
        Assert.InRange(mean.Val2, 50, 90);
        // Its JPEGs went through as they came: the stream is Motion JPEG, so nothing was decoded or encoded.
        var camera = producer.Camera("http-cam");
        Assert.True(camera.PassedThrough >= messages.Count, $"passed through {camera.PassedThrough} of {camera.Published}");
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("connected", StringComparison.Ordinal)
            && entry.Message.Contains("passing its JPEGs through", StringComparison.Ordinal));
        Assert.DoesNotContain(producer.Logs.Entries, entry => entry.Message.Contains(HttpMjpegCameraFixture.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_health_check_passes_a_camera_that_streams_with_the_urls_credentials()
    {
        var result = await HttpCameraProbe.ProbeAsync(new Uri(fixture.UrlWithCredentials), ProbeTimeout, CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("multipart/x-mixed-replace", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(HttpMjpegCameraFixture.Password, result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_check_fails_without_credentials_on_a_wrong_path_and_on_a_closed_port_saying_which()
    {
        var withoutCredentials = await HttpCameraProbe.ProbeAsync(new Uri(fixture.Camera.Url), ProbeTimeout, CancellationToken.None);
        Assert.Equal(HealthStatus.Unhealthy, withoutCredentials.Status);
        Assert.Contains("asks for credentials", withoutCredentials.Description, StringComparison.Ordinal);

        var wrongPath = new UriBuilder(fixture.UrlWithCredentials) { Path = "/no-such-camera" }.Uri;
        var notFound = await HttpCameraProbe.ProbeAsync(wrongPath, ProbeTimeout, CancellationToken.None);
        Assert.Equal(HealthStatus.Unhealthy, notFound.Status);
        Assert.Contains("404", notFound.Description, StringComparison.Ordinal);

        var port = Ports.Unused();
        var closed = await HttpCameraProbe.ProbeAsync(
            new Uri($"http://admin:hidden@127.0.0.1:{port}/video.mjpg"), ProbeTimeout, CancellationToken.None);
        Assert.Equal(HealthStatus.Unhealthy, closed.Status);
        Assert.Contains("does not answer HTTP", closed.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", closed.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_check_fails_a_web_page_that_is_not_a_video_stream()
    {
        // A real HTTP server on a socket, answering what a camera's settings page would: HTML.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var request = new byte[4096];
            _ = await stream.ReadAsync(request);
            var page = "<html><body>camera settings</body></html>";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {page.Length}\r\nConnection: close\r\n\r\n{page}"));
        });

        var result = await HttpCameraProbe.ProbeAsync(new Uri($"http://127.0.0.1:{port}/"), ProbeTimeout, CancellationToken.None);
        await serving.WaitAsync(ProbeTimeout);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("text/html", result.Description, StringComparison.Ordinal);
        Assert.Contains("not Motion JPEG", result.Description, StringComparison.Ordinal);
    }
}
