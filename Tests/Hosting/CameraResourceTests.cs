using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Hosting;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.PeopleDetection;

namespace AspirePipeline.Tests.Hosting;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class CameraResourceTests
{
    [Fact]
    public async Task Without_containers_the_GStreamer_simulator_runs_on_a_port_Aspire_allocates()
    {
        await using var app = await AppModel.BuildAsync("--Camera:Mode=Process", "--Camera:Width=640", "--Camera:Height=360", "--Camera:Fps=15");

        var camera = app.Single<CameraSimulatorResource>("camera");
        Assert.Equal(CameraMode.Process, camera.Mode);
        // Debian's interpreter sees the apt-installed GStreamer bindings; a pyenv python3 earlier on PATH would not.
        Assert.Equal(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", camera.Command);

        var endpoint = Assert.Single(camera.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal("rtsp", endpoint.Name);
        Assert.False(endpoint.IsProxied);

        var arguments = (await AppModel.ArgumentsAsync(camera)).Select(AppModel.Describe).ToList();
        Assert.EndsWith(Path.Combine("CameraSimulator", "rtsp_simulator.py"), arguments[1], StringComparison.Ordinal);
        Assert.Equal(
            ["--port", "{camera.bindings.rtsp.targetPort}", "--path", "/camera", "--bind", "127.0.0.1",
                "--width", "640", "--height", "360", "--fps", "15"],
            arguments[2..]);
        Assert.Equal("rtsp://127.0.0.1:{camera.bindings.rtsp.targetPort}/camera", camera.ConnectionStringExpression.ValueExpression);
        Assert.Contains(camera.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key == "camera_check");
    }

    [Fact]
    public async Task Without_a_python_interpreter_the_AppHost_stops_naming_the_packages_and_the_setting()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(
            () => AppModel.BuildAsync("--Camera:Mode=Process", "--Camera:Python=/opt/no-such/python3"));

        var message = string.Join(" | ", Messages(failure));
        Assert.Contains("'/opt/no-such/python3' does not exist", message, StringComparison.Ordinal);
        Assert.Contains("python3-gst-1.0 gir1.2-gst-rtsp-server-1.0", message, StringComparison.Ordinal);
        Assert.Contains("'Camera:Python'", message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Messages(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current.Message;
        }
    }

    [Fact]
    public async Task With_containers_mediamtx_publishes_an_ffmpeg_test_pattern()
    {
        await using var app = await AppModel.BuildAsync("--Camera:Mode=Container");

        var camera = app.Single<CameraSimulatorContainerResource>("camera");
        Assert.Equal("bluenviron/mediamtx", Assert.Single(camera.Annotations.OfType<ContainerImageAnnotation>()).Image);
        Assert.Equal(8554, Assert.Single(camera.Annotations.OfType<EndpointAnnotation>()).TargetPort);

        var environment = await AppModel.EnvironmentAsync(camera);
        var pattern = Assert.IsType<string>(environment["MTX_PATHS_CAMERA_RUNONINIT"]);
        Assert.Contains("testsrc2=size=1280x720:rate=30", pattern, StringComparison.Ordinal);
        Assert.Contains("-f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH", pattern, StringComparison.Ordinal);
        Assert.Equal("rtsp://{camera.bindings.rtsp.host}:{camera.bindings.rtsp.port}/camera", camera.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task With_containers_a_recorded_video_is_mounted_and_looped_by_mediamtx()
    {
        await using var app = await AppModel.BuildAsync("--Camera:Mode=Container");

        var footage = app.Single<CameraSimulatorContainerResource>("footage");
        var mount = Assert.Single(footage.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal((RecordedFootage.Pedestrians, "/media/footage.avi", true), (mount.Source, mount.Target, mount.IsReadOnly));
        var environment = await AppModel.EnvironmentAsync(footage);
        var publish = Assert.IsType<string>(environment["MTX_PATHS_FOOTAGE_RUNONINIT"]);
        Assert.Contains("-re -stream_loop -1 -i /media/footage.avi", publish, StringComparison.Ordinal);
        Assert.Equal("rtsp://{footage.bindings.rtsp.host}:{footage.bindings.rtsp.port}/footage", footage.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task A_camera_with_Source_Rtsp_is_the_real_camera_of_its_url_parameter()
    {
        const string url = "rtsp://viewer:secret@192.0.2.10:554/stream1";
        await using var app = await AppModel.BuildAsync(
            $"--Parameters:camera-url={url}", "--Cameras:camera:Source=Rtsp", "--Cameras:footage:Enabled=false");

        var camera = app.Single<CameraUrlResource>("camera");
        Assert.True(camera.Url.Secret); // the URL may carry credentials
        Assert.Equal("camera-url", camera.Url.Name);
        Assert.Equal(url, await camera.ConnectionStringExpression.GetValueAsync(CancellationToken.None));
        Assert.DoesNotContain(app.Resources, r => r is CameraSimulatorResource or CameraSimulatorContainerResource);
    }

    [Fact]
    public async Task Auto_mode_follows_the_container_runtime()
    {
        await using var withRuntime = await AppModel.BuildAsync($"--{ContainerRuntimeProbe.RuntimeKey}=true");
        await using var withoutRuntime = await AppModel.BuildAsync($"--{ContainerRuntimeProbe.RuntimeKey}=false");

        Assert.All(withRuntime.Resources.OfType<ICameraResource>(), camera => Assert.IsType<CameraSimulatorContainerResource>(camera));
        Assert.All(withoutRuntime.Resources.OfType<ICameraResource>(), camera => Assert.IsType<CameraSimulatorResource>(camera));
        Assert.Equal(2, withoutRuntime.Resources.OfType<ICameraResource>().Count());
    }

    [Theory]
    [InlineData("--Camera:Width=wide", "Camera:Width")]
    [InlineData("--Camera:Fps=0", "Camera:Fps")]
    [InlineData("--Camera:Mode=Webcam", "Camera:Mode")]
    [InlineData("--Cameras:footage:Fps=-1", "Cameras:footage:Fps")]
    [InlineData("--Cameras:no_underscores:Width=320", "Camera id 'no_underscores'")]
    public async Task Bad_camera_settings_name_the_setting(string argument, string setting)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync(argument));
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
