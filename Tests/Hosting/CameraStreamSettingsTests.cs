using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts;
using AspirePipeline.Tests.Infrastructure;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Tests.Hosting;

/// <summary><c>Cameras:{id}:Record</c> and the analysis stream (<c>Analysis:Fps</c>, <c>Analysis:Width</c>) reach the producer.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class CameraStreamSettingsTests
{
    [Fact]
    public async Task A_recorded_camera_with_its_own_analysis_stream_is_passed_to_the_producer_as_its_camera_settings()
    {
        await using var app = await AppModel.BuildAsync("--Camera:Mode=Process", "--Cameras:footage:Enabled=false",
            "--Cameras:camera:Record=true", "--Cameras:camera:Analysis:Fps=5", "--Cameras:camera:Analysis:Width=640");

        var environment = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"));

        Assert.Equal("camera", environment[ServiceEnvironment.Producer.Camera(0, CameraSetting.Id)]);
        Assert.Equal("true", environment[ServiceEnvironment.Producer.Camera(0, CameraSetting.Record)]);
        Assert.Equal("5", environment[ServiceEnvironment.Producer.Camera(0, CameraSetting.Fps)]);
        Assert.Equal("640", environment[ServiceEnvironment.Producer.Camera(0, CameraSetting.Width)]);
        Assert.DoesNotContain("Producer__Cameras__0__Height", environment.Keys);
    }

    [Fact]
    public async Task By_default_the_footage_camera_is_recorded_and_every_camera_keeps_its_own_rate_and_size()
    {
        await using var app = await AppModel.BuildAsync("--Camera:Mode=Process");

        var environment = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"));

        var ids = Enumerable.Range(0, 2)
            .ToDictionary(index => (string)environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)], index => index);
        Assert.Equal("true", environment[ServiceEnvironment.Producer.Camera(ids["footage"], CameraSetting.Record)]);
        Assert.DoesNotContain(ServiceEnvironment.Producer.Camera(ids["camera"], CameraSetting.Record), environment.Keys);
        Assert.DoesNotContain(environment.Keys,
            key => key.EndsWith("__Fps", StringComparison.Ordinal) || key.EndsWith("__Width", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--Cameras:camera:Analysis:Fps=0", "Cameras:camera:Analysis:Fps")]
    [InlineData("--Cameras:camera:Analysis:Width=wide", "Cameras:camera:Analysis:Width")]
    [InlineData("--Cameras:camera:Record=sometimes", "Cameras:camera:Record")]
    public async Task A_stream_setting_that_cannot_work_names_its_configuration_path(string argument, string path)
    {
        var failure = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => AppModel.BuildAsync("--Camera:Mode=Process", argument));

        Assert.Contains($"'{path}'", failure.Message, StringComparison.Ordinal);
    }
}
