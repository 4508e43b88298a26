using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Hosting.Kafka;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Hosting;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class AppHostTopologyTests
{
    [Fact]
    public async Task Producer_references_and_waits_for_kafka_and_the_camera()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        var producer = app.Single<ProjectResource>("producer");
        var waits = producer.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource).ToList();
        Assert.Contains(waits, r => r is IKafkaResource);
        Assert.Contains(waits, r => r is ICameraResource);

        var environment = await AppModel.EnvironmentAsync(producer);
        Assert.Equal("{kafka.connectionString}", AppModel.Describe(environment["ConnectionStrings__kafka"]));
        Assert.Equal("camera", environment["Producer__Cameras__0__Id"]);
        Assert.Equal("{camera.connectionString}", AppModel.Describe(environment["Producer__Cameras__0__Url"]));
        Assert.Equal("frames", environment["Producer__Topic"]);
        Assert.Equal("{camera.connectionString}", AppModel.Describe(environment["ConnectionStrings__camera"]));
        Assert.Contains(producer.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.StartsWith("producer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_group_with_StartAt_replays_from_there()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process",
            "--Pipeline:Consumer2:GroupId=motion-replay", "--Pipeline:Consumer2:StartAt=-1h");

        var environment = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer2"));
        Assert.Equal("-1h", environment["FrameProcessing__StartAt"]);
        Assert.Equal("motion-replay", environment["Aspire__Confluent__Kafka__Consumer__Config__GroupId"]);
        Assert.DoesNotContain("FrameProcessing__StartAt", (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer"))).Keys);
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
                Assert.True(certificate is { UseDeveloperCertificate: false, Certificate: null }, $"{resource.Name} would use the developer certificate");
            }
        }
    }
#pragma warning restore ASPIRECERTIFICATES001

    [Theory]
    [InlineData("consumer", "consumerGroup_1")]
    [InlineData("consumer2", "consumerGroup_2")]
    public async Task Each_consumer_joins_its_configured_group_waits_for_kafka_and_reports_health(string name, string group)
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Camera:Mode=Process");

        var consumer = app.Single<ProjectResource>(name);
        Assert.Contains(consumer.Annotations.OfType<WaitAnnotation>(), w => w.Resource is IKafkaResource);
        var environment = await AppModel.EnvironmentAsync(consumer);
        Assert.Equal(group, environment["Aspire__Confluent__Kafka__Consumer__Config__GroupId"]);
        Assert.Equal("frames", environment["FrameProcessing__Topic"]);
        Assert.Equal("frames.analysis", environment["FrameProcessing__ResultsTopic"]);
        Assert.Equal("frames.dlq", environment["FrameProcessing__DeadLetterTopic"]);
        Assert.Contains(consumer.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http");
        Assert.Contains(consumer.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.StartsWith(name, StringComparison.Ordinal));
        Assert.NotEmpty(consumer.Annotations.OfType<ResourceUrlsCallbackAnnotation>()); // the "Live view" link
    }

    [Fact]
    public async Task Replicas_and_groups_come_from_configuration()
    {
        await using var app = await AppModel.BuildAsync(
            "--Kafka:Mode=Broker", "--Pipeline:Consumer:Replicas=2", "--Pipeline:Consumer2:GroupId=motion");

        Assert.Equal(2, Assert.Single(app.Single<ProjectResource>("consumer").Annotations.OfType<ReplicaAnnotation>()).Replicas);
        Assert.Equal("motion", (await AppModel.EnvironmentAsync(app.Single<ProjectResource>("consumer2")))["Aspire__Confluent__Kafka__Consumer__Config__GroupId"]);
    }

    [Fact]
    public async Task One_simulator_can_stand_in_for_several_cameras()
    {
        await using var app = await AppModel.BuildAsync(
            "--Kafka:Mode=Broker", "--Camera:Mode=Process", "--Pipeline:Cameras:0=north", "--Pipeline:Cameras:1=south");

        var environment = await AppModel.EnvironmentAsync(app.Single<ProjectResource>("producer"));
        Assert.Equal("north", environment["Producer__Cameras__0__Id"]);
        Assert.Equal("south", environment["Producer__Cameras__1__Id"]);
        Assert.Equal("{camera.connectionString}", AppModel.Describe(environment["Producer__Cameras__1__Url"]));
        Assert.False(environment.ContainsKey("Producer__Cameras__2__Id"));
    }

    [Fact]
    public async Task Invalid_topology_names_the_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("--Kafka:Mode=Broker", "--Pipeline:Partitions=0"));
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        Assert.Contains("Partitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline", error.Message, StringComparison.Ordinal);
    }
}
