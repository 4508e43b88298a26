using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Hosting.Kafka;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.PeopleDetection;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Tests.Hosting;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class AppHostTopologyTests
{
    [Fact]
    public async Task Producer_reads_every_configured_camera_and_waits_for_kafka_and_each_camera()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        var producer = app.Single<ProjectResource>("producer");
        var cameras = app.Resources.OfType<ICameraResource>().ToList();
        Assert.Equal(["camera", "footage"], cameras.Select(camera => camera.Name));
        var waits = producer.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource).ToList();
        Assert.Contains(waits, r => r is IKafkaResource);
        Assert.All(cameras, camera => Assert.Contains(camera, waits));

        var environment = await AppModel.EnvironmentAsync(producer);
        Assert.Equal("{kafka.connectionString}", AppModel.Describe(environment[ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)]));
        for (var index = 0; index < cameras.Count; index++)
        {
            Assert.Equal(cameras[index].Name, environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)]);
            Assert.Equal($"{{{cameras[index].Name}.connectionString}}",
                AppModel.Describe(environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)]));
            Assert.Contains(cameras[index].Annotations.OfType<HealthCheckAnnotation>(), h => h.Key == $"{cameras[index].Name}_check");
        }
        Assert.False(environment.ContainsKey(ServiceEnvironment.Producer.Camera(cameras.Count, CameraSetting.Id)));
        Assert.Equal(FrameTopics.Frames, environment[ServiceEnvironment.Producer.Topic]);
        Assert.Contains(producer.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.StartsWith("producer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_default_topology_runs_the_people_detector_on_the_recorded_footage()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        var footage = app.Single<CameraSimulatorResource>("footage");
        var arguments = (await AppModel.ArgumentsAsync(footage)).Select(AppModel.Describe).ToList();
        Assert.Equal(RecordedFootage.Pedestrians, arguments[arguments.IndexOf("--video") + 1]);

        var people = Assert.Single(PipelineTopology.Of(app.Resources).Groups, group => group.Analyzer == "people");
        Assert.Equal(["footage"], people.Cameras);
        var environment = await AppModel.EnvironmentAsync(app.Single<ProjectResource>(people.Resource));
        Assert.Equal("people", environment[ServiceEnvironment.ConsumerGroup.Analyzer]);
        Assert.Equal("footage", environment[ServiceEnvironment.ConsumerGroup.Camera(0)]);
        Assert.Equal(FrameTopics.Events, environment[ServiceEnvironment.ConsumerGroup.EventsTopic]);
        // Its own rate (5 analysed frames a second), and it skips to the newest frame when behind anyway.
        Assert.Equal("5", environment[ServiceEnvironment.ConsumerGroup.Fps]);
        Assert.Equal("2", environment["FrameProcessing__SkipToNewestWhenLagExceeds"]);
        Assert.Contains(FrameTopics.Events,
            app.Resources.OfType<IKafkaResource>().Single().Annotations.OfType<KafkaTopicAnnotation>().Select(t => t.Name));
    }

    [Fact]
    public async Task A_camera_and_a_consumer_group_are_added_by_configuration_alone()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process",
            "--Cameras:gate:Source=Rtsp", "--Parameters:gate-url=rtsp://viewer:secret@192.0.2.7:554/stream1",
            "--Cameras:lobby:Width=320", "--Cameras:lobby:Height=240", "--Cameras:lobby:Fps=5",
            "--Pipeline:Groups:audit:Project=Consumer2", "--Pipeline:Groups:audit:GroupId=audit-1",
            "--Pipeline:Groups:audit:Analyzer=mean-intensity", "--Pipeline:Groups:audit:Replicas=2",
            "--Pipeline:Groups:audit:Cameras:0=gate", "--Pipeline:Groups:audit:Settings:Motion:PixelThreshold=40");

        var topology = PipelineTopology.Of(app.Resources);
        Assert.Equal(["camera", "footage", "gate", "lobby"], topology.Cameras.Order());
        Assert.IsType<CameraUrlResource>(Assert.Single(app.Resources, r => r.Name == "gate"));
        var lobbyArguments = (await AppModel.ArgumentsAsync(app.Single<CameraSimulatorResource>("lobby"))).Select(AppModel.Describe).ToList();
        Assert.Equal("320", lobbyArguments[lobbyArguments.IndexOf("--width") + 1]);
        Assert.Equal("5", lobbyArguments[lobbyArguments.IndexOf("--fps") + 1]);

        var audit = topology.Group("audit");
        Assert.Equal(("audit-1", "mean-intensity", 2), (audit.GroupId, audit.Analyzer, audit.Replicas));
        var project = app.Single<ProjectResource>("audit");
        Assert.EndsWith("Consumer2.csproj", project.GetProjectMetadata().ProjectPath, StringComparison.Ordinal);
        var environment = await AppModel.EnvironmentAsync(project);
        Assert.Equal("audit-1", environment[ServiceEnvironment.ConsumerGroup.GroupId]);
        Assert.Equal("gate", environment[ServiceEnvironment.ConsumerGroup.Camera(0)]);
        Assert.Equal("40", environment["Motion__PixelThreshold"]);

        var producer = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"));
        Assert.Contains("gate", producer.Values.OfType<string>());
        Assert.Contains("lobby", producer.Values.OfType<string>());
    }

    [Fact]
    public async Task A_group_or_camera_is_switched_off_with_Enabled_false()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process",
            "--Cameras:footage:Enabled=false", "--Pipeline:Groups:people:Enabled=false");

        var topology = PipelineTopology.Of(app.Resources);
        Assert.Equal(["camera"], topology.Cameras);
        Assert.Equal(["consumer", "consumer2"], topology.Groups.Select(group => group.Resource));
    }

    [Fact]
    public async Task A_group_with_Fps_analyses_at_that_rate_and_the_others_every_frame()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process",
            "--Pipeline:Groups:consumer2:Fps=5");

        Assert.Equal("5", (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer2")))[ServiceEnvironment.ConsumerGroup.Fps]);
        Assert.DoesNotContain(ServiceEnvironment.ConsumerGroup.Fps, (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer"))).Keys);
    }

    [Fact]
    public async Task A_group_with_StartAt_replays_from_there()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process",
            "--Pipeline:Groups:consumer2:GroupId=motion-replay", "--Pipeline:Groups:consumer2:StartAt=-1h");

        var environment = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer2"));
        Assert.Equal("-1h", environment[ServiceEnvironment.ConsumerGroup.StartAt]);
        Assert.Equal("motion-replay", environment[ServiceEnvironment.ConsumerGroup.GroupId]);
        Assert.DoesNotContain(ServiceEnvironment.ConsumerGroup.StartAt,
            (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer"))).Keys);
    }

    // ASPIRECERTIFICATES001: the certificate annotations are marked experimental in Aspire 13.
#pragma warning disable ASPIRECERTIFICATES001
    [Fact]
    public async Task No_resource_asks_for_a_development_certificate()
    {
        // What makes Aspire show "No trusted development certificate" over every dashboard page: an https endpoint,
        // or a project that may configure Kestrel with the developer certificate. Every service here is plain HTTP.
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        foreach (var resource in app.Resources)
        {
            Assert.DoesNotContain(resource.Annotations.OfType<EndpointAnnotation>(), endpoint => endpoint.UriScheme == "https");
            if (resource.Annotations.OfType<HttpsCertificateConfigurationCallbackAnnotation>().Any())
            {
                var certificate = resource.Annotations.OfType<HttpsCertificateAnnotation>().LastOrDefault();
                Assert.True(certificate is { UseDeveloperCertificate: false, Certificate: null },
                    $"{resource.Name} would use the developer certificate");
            }
        }
    }
#pragma warning restore ASPIRECERTIFICATES001

    [Fact]
    public async Task Every_consumer_group_joins_its_configured_group_waits_for_kafka_and_reports_health()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        var groups = PipelineTopology.Of(app.Resources).Groups;
        Assert.Equal(["consumerGroup_1", "consumerGroup_2", "consumerGroup_people"], groups.Select(group => group.GroupId));
        foreach (var group in groups)
        {
            var consumer = app.Single<ProjectResource>(group.Resource);
            Assert.Contains(consumer.Annotations.OfType<WaitAnnotation>(), w => w.Resource is IKafkaResource);
            var environment = await AppModel.EnvironmentAsync(consumer);
            Assert.Equal(group.GroupId, environment[ServiceEnvironment.ConsumerGroup.GroupId]);
            Assert.Equal(group.Analyzer, environment[ServiceEnvironment.ConsumerGroup.Analyzer]);
            Assert.Equal(FrameTopics.Frames, environment[ServiceEnvironment.ConsumerGroup.FramesTopic]);
            Assert.Equal(FrameTopics.Analysis, environment[ServiceEnvironment.ConsumerGroup.ResultsTopic]);
            Assert.Equal(FrameTopics.DeadLetter, environment[ServiceEnvironment.ConsumerGroup.DeadLetterTopic]);
            Assert.Contains(consumer.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http");
            Assert.Contains(consumer.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.StartsWith(group.Resource, StringComparison.Ordinal));
            Assert.NotEmpty(consumer.Annotations.OfType<ResourceUrlsCallbackAnnotation>()); // the "Live view" link
        }
    }

    [Theory]
    [InlineData("--Pipeline:Groups:consumer:Project=Consumer3", "Pipeline:Groups:consumer:Project")]
    [InlineData("--Pipeline:Groups:consumer:GroupId=", "Pipeline:Groups:consumer:GroupId")]
    [InlineData("--Pipeline:Groups:people:GroupId=consumerGroup_1", "share the Kafka group id 'consumerGroup_1'")]
    [InlineData("--Pipeline:Groups:consumer:Replicas=0", "Pipeline:Groups:consumer:Replicas")]
    [InlineData("--Pipeline:Consumer:Replicas=2", "Pipeline:Groups:consumer:Replicas")]
    [InlineData("--Pipeline:Cameras:0=north", "Cameras:<id>")]
    [InlineData("--Cameras:footage:Video=/no/such/video.avi", "Cameras:footage:Video")]
    [InlineData("--Cameras:camera:Source=Webcam", "Cameras:camera:Source")]
    [InlineData("--Cameras:camera:Source=Rtsp", "Parameters:camera-url")]
    [InlineData("--Cameras:camera:Source=HttpMjpeg", "Parameters:camera-url")]
    [InlineData("--Cameras:camera:Source=Synthetic", "Cameras:camera:Source")]
    [InlineData("--Camera:Mode=External", "Cameras:<id>:Source=Rtsp")]
    [InlineData("--Pipeline:Partitions=0", "Pipeline:Partitions")]
    public async Task Invalid_topology_names_the_setting(string argument, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process", argument));
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
