using AspirePipeline.Producer;
using AspirePipeline.Producer.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Producer;

/// <summary>Bad configuration stops the Producer at start with the setting named (no processes involved).</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ProducerOptionsTests
{
    [Theory]
    [InlineData("Producer:Camera:Url", "ftp://camera/stream", "Producer:Camera:Url 'ftp://camera/stream' has unsupported scheme 'ftp'")]
    [InlineData("Producer:Camera:Url", "/no/such/video.mp4", "Producer:Camera:Url '/no/such/video.mp4' is neither")]
    [InlineData("Producer:Camera:Url", "synthetic://?width=abc", "is not a valid synthetic source")]
    [InlineData("Producer:Camera:Width", "-5", "Producer:Camera:Width is -5")]
    [InlineData("Producer:JpegQuality", "0", "JpegQuality")]
    [InlineData("Producer:QueueCapacity", "0", "QueueCapacity")]
    [InlineData("Producer:Camera:Passthrough", "7", "Producer:Camera:Passthrough is '7'; use Auto")]
    public async Task Invalid_setting_fails_start_naming_it(string key, string value, string expected)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Producer:Camera:Url"] = "synthetic://?width=64&height=48&fps=5",
            [key] = value,
        }));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_camera_fails_start_saying_what_to_set()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()));

        Assert.Contains("No camera configured: set Producer:Camera:Url", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_camera_ids_fail_start()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Producer:Cameras:0:Id"] = "door",
            ["Producer:Cameras:0:Url"] = "synthetic://",
            ["Producer:Cameras:1:Id"] = "door",
            ["Producer:Cameras:1:Url"] = "synthetic://",
        }));

        Assert.Contains("Producer:Cameras:1:Id 'door' is used by two cameras", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_encoding_fails_start_naming_the_setting()
    {
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new()
        {
            ["Producer:Camera:Url"] = "synthetic://",
            ["Producer:Encoding"] = "Png",
        }));

        Assert.Contains("Producer:Encoding", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_passthrough_mode_fails_start_naming_the_setting()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Producer:Cameras:0:Id"] = "door",
            ["Producer:Cameras:0:Url"] = "synthetic://",
            ["Producer:Cameras:0:Passthrough"] = "Sometimes",
        }));

        // The binder drops the whole camera over the bad value; the message still names the setting to fix.
        Assert.Contains("Producer:Cameras:0:Passthrough is 'Sometimes'; use Auto", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PassthroughMode.Auto, "Jpeg", null, null, true)]
    [InlineData(PassthroughMode.Never, "Jpeg", null, null, false)]
    [InlineData(PassthroughMode.Auto, "RawBgr", null, null, false)]
    [InlineData(PassthroughMode.Auto, "Jpeg", 640, null, false)]
    [InlineData(PassthroughMode.Auto, "Jpeg", null, 10, false)]
    public void Passthrough_only_where_nothing_would_change_the_picture(PassthroughMode mode, string encoding, int? width, int? fps,
        bool expected)
    {
        var camera = new CameraOptions { Id = "a", Url = "rtsp://camera/stream", Passthrough = mode, Width = width, Height = width, Fps = fps };

        Assert.Equal(expected, camera.CanPassThrough(Enum.Parse<AspirePipeline.Frames.FrameEncoding>(encoding)));
    }

    [Fact]
    public void Single_camera_shortcut_joins_the_camera_list()
    {
        var options = new ProducerOptions
        {
            Cameras = [new CameraOptions { Id = "a", Url = "synthetic://" }],
            Camera = new CameraOptions { Url = "rtsp://127.0.0.1:8554/camera" },
        };

        Assert.Equal(["a", "camera"], options.EffectiveCameras.Select(camera => camera.Id));
    }

    [Theory]
    [InlineData("rtsp://admin:s3cret@10.0.0.5:554/stream", "rtsp://***@10.0.0.5:554/stream")]
    [InlineData("rtsp://10.0.0.5:554/stream", "rtsp://10.0.0.5:554/stream")]
    public void Credentials_in_camera_urls_are_redacted(string url, string shown)
    {
        Assert.Equal(shown, CameraUrl.Redact(url));
        Assert.Equal($"[tcp] {shown}: Connection refused", CameraUrl.RedactIn($"[tcp] {url}: Connection refused", url));
    }

    private static async Task StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
        });
        // Nothing listens here: the options must fail before anything talks to Kafka.
        settings["ConnectionStrings:kafka"] = "127.0.0.1:1";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddFrameProducer();
        await using var app = builder.Build();
        try
        {
            await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
