using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts;
using AspirePipeline.Tests.Hosting;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Original;

/// <summary>The AppHost settings that run the pipeline in the original format reach the services.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class OriginalFormatAppHostTests
{
    private static readonly string[] Consumers = ["consumer", "consumer2"];

    [Fact]
    public async Task The_frame_encoding_goes_to_the_producer_and_the_headerless_camera_id_to_both_consumers()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process",
            "--Pipeline:FrameEncoding=SeedJson", "--Pipeline:HeaderlessCameraId=goproducer");

        var producer = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"));
        Assert.Equal("SeedJson", AppModel.Describe(producer[ServiceEnvironment.Producer.Encoding]));
        foreach (var name in Consumers)
        {
            var consumer = await AppModel.EnvironmentAsync(app.Single<ProjectResource>(name));
            Assert.Equal("goproducer", AppModel.Describe(consumer[ServiceEnvironment.ConsumerGroup.HeaderlessCameraId]));
        }
    }

    [Fact]
    public async Task Unset_they_leave_the_services_own_settings()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        Assert.DoesNotContain(ServiceEnvironment.Producer.Encoding, (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"))).Keys);
        foreach (var name in Consumers)
        {
            Assert.DoesNotContain(ServiceEnvironment.ConsumerGroup.HeaderlessCameraId,
                (await AppModel.EnvironmentAsync(app.Single<ProjectResource>(name))).Keys);
        }
    }

    [Fact]
    public async Task An_unknown_frame_encoding_stops_the_apphost_naming_the_setting_and_the_choices()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("--Kafka:Mode=Broker", "--Pipeline:FrameEncoding=Png"));
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        Assert.Contains("FrameEncoding must be Jpeg, RawBgr or SeedJson", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline", error.Message, StringComparison.Ordinal);
    }
}
