using AspirePipeline.Contracts;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Hosting;
using AspirePipeline.Hosting.Kafka;
using AspirePipeline.Hosting.Publishing;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Hosting;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class KafkaResourceTests
{
    [Fact]
    public async Task Broker_mode_runs_the_built_broker_with_a_persistent_data_dir_on_its_own_port()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"kafka-model-{Guid.NewGuid():N}");
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", $"--Kafka:DataDir={dataDir}");

        var kafka = app.Single<KafkaBrokerResource>("kafka");
        Assert.Equal(KafkaMode.Broker, kafka.Mode);
        Assert.Equal("dotnet", kafka.Command);
        Assert.Equal(dataDir, kafka.DataDirectory);

        var assembly = Assert.IsType<string>(Assert.Single(await AppModel.ArgumentsAsync(kafka)));
        Assert.EndsWith("AspirePipeline.Broker.dll", assembly, StringComparison.Ordinal);
        Assert.True(File.Exists(assembly), $"the broker assembly the AppHost would run does not exist: {assembly}");

        var endpoint = Assert.Single(kafka.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal("tcp", endpoint.Name);
        Assert.False(endpoint.IsProxied); // clients reconnect to the advertised address: it must be the broker's own port

        var environment = await AppModel.EnvironmentAsync(kafka);
        Assert.Equal("{kafka.bindings.tcp.targetPort}", AppModel.Describe(environment[ServiceEnvironment.Broker.Port]));
        Assert.Equal(dataDir, environment[ServiceEnvironment.Broker.DataDir]);
        Assert.Equal("127.0.0.1", environment[ServiceEnvironment.Broker.AdvertisedHost]);
        Assert.Equal("8388608", environment[ServiceEnvironment.Broker.MessageMaxBytes]);
        Assert.Equal("3", environment[ServiceEnvironment.Broker.DefaultPartitions]);
        Assert.Equal("127.0.0.1:{kafka.bindings.tcp.port}", kafka.ConnectionStringExpression.ValueExpression);
        Assert.Contains(kafka.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key == "kafka_check");
    }

    [Fact]
    public async Task Topics_come_from_the_AppHost_configuration()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Broker", "--Pipeline:Partitions=5", "--Pipeline:MaxMessageBytes=4194304");

        var topics = app.Single<IKafkaResource>("kafka").Annotations.OfType<KafkaTopicAnnotation>().ToDictionary(t => t.Name);
        Assert.Equal([FrameTopics.Frames, FrameTopics.Analysis, FrameTopics.DeadLetter, FrameTopics.Events, FrameTopics.Video],
            topics.Keys.Order());
        Assert.Equal(5, topics[FrameTopics.Frames].Partitions);
        Assert.Equal(4194304, topics[FrameTopics.Frames].MaxMessageBytes);
        Assert.Equal(5, topics[FrameTopics.Analysis].Partitions);
        Assert.Equal(5, topics[FrameTopics.Events].Partitions);
        Assert.Equal(1, topics[FrameTopics.DeadLetter].Partitions);
        Assert.Equal(5, topics[FrameTopics.Video].Partitions);
        Assert.Equal(4194304, topics[FrameTopics.Video].MaxMessageBytes);
    }

    [Fact]
    public async Task Retention_is_declared_with_the_topics_and_reaches_the_published_healthcheck_that_creates_them()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Container", "--Pipeline:FramesRetention:Time=00:20:00",
            "--Pipeline:FramesRetention:BytesPerPartition=268435456");

        var kafka = app.Single<IKafkaResource>("kafka");
        var topics = kafka.Annotations.OfType<KafkaTopicAnnotation>().ToDictionary(t => t.Name);
        // Segments of an eighth of each bound, so retention (which deletes whole segments) holds the bound closely.
        Assert.Equal(
            ["max.message.bytes=8388608", "retention.ms=1200000", "retention.bytes=268435456", "segment.bytes=33554432", "segment.ms=150000"],
            topics[FrameTopics.Frames].Configs.Select(c => $"{c.Key}={c.Value}"));
        // Results and dead letters are kept longer than video by default: 7 days.
        Assert.Contains(new KeyValuePair<string, string>("retention.ms", "604800000"), topics[FrameTopics.Analysis].Configs);
        Assert.Contains(new KeyValuePair<string, string>("retention.ms", "604800000"), topics[FrameTopics.DeadLetter].Configs);
        // Recordings by their own bound: a day, 16 GiB per partition.
        Assert.Contains(new KeyValuePair<string, string>("retention.ms", "86400000"), topics[FrameTopics.Video].Configs);
        Assert.Contains(new KeyValuePair<string, string>("retention.bytes", "17179869184"), topics[FrameTopics.Video].Configs);

        var script = string.Join(' ', Assert.Single(kafka.Annotations.OfType<DockerComposeHealthCheckAnnotation>()).Test);
        Assert.Contains("--topic frames --partitions 3 --replication-factor 1 --config max.message.bytes=8388608 " +
            "--config retention.ms=1200000 --config retention.bytes=268435456 --config segment.bytes=33554432 --config segment.ms=150000",
            script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retention_that_cannot_work_names_the_setting()
    {
        var failure = await Assert.ThrowsAnyAsync<InvalidOperationException>(
            () => AppModel.BuildAsync("--Pipeline:FramesRetention:BytesPerPartition=1000"));

        Assert.Contains("FramesRetention:BytesPerPartition", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_mode_uses_Apache_Kafka_in_KRaft_with_host_and_internal_listeners_and_a_volume()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Container");

        var kafka = app.Single<KafkaContainerResource>("kafka");
        var image = Assert.Single(kafka.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("apache/kafka", image.Image);

        var endpoints = kafka.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name);
        Assert.Equal(9092, endpoints["tcp"].TargetPort);
        Assert.Equal(9093, endpoints["internal"].TargetPort);

        var mount = Assert.Single(kafka.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal("/var/lib/kafka/data", mount.Target);
        Assert.Equal(ContainerMountType.Volume, mount.Type);

        var environment = await AppModel.EnvironmentAsync(kafka);
        Assert.Equal("/var/lib/kafka/data", environment["KAFKA_LOG_DIRS"]);
        Assert.Equal("broker,controller", environment["KAFKA_PROCESS_ROLES"]);
        Assert.Equal("8388608", environment["KAFKA_MESSAGE_MAX_BYTES"]);
        var advertised = AppModel.Describe(environment["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.Contains("PLAINTEXT_HOST://localhost:{kafka.bindings.tcp.port}", advertised, StringComparison.Ordinal);
        Assert.Contains("PLAINTEXT_INTERNAL://kafka:9093", advertised, StringComparison.Ordinal);

        var published = await AppModel.EnvironmentAsync(kafka, DistributedApplicationOperation.Publish);
        Assert.Equal("PLAINTEXT://localhost:29092,PLAINTEXT_HOST://kafka:9092,PLAINTEXT_INTERNAL://kafka:9093",
            published["KAFKA_ADVERTISED_LISTENERS"]);

        // The UI is a development aid: it runs beside the container and stays out of published deployments.
        var ui = app.Single<ContainerResource>("kafka-ui");
        Assert.Contains(ui.Annotations.OfType<ManifestPublishingCallbackAnnotation>(), a => a.Callback is null);
        Assert.Equal("kafka:9093", (await AppModel.EnvironmentAsync(ui))["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]);
    }

    [Fact]
    public async Task A_configured_connection_string_selects_the_external_cluster_and_starts_nothing()
    {
        await using var app = await AppModel.BuildAsync("--ConnectionStrings:kafka=broker-a:9092,broker-b:9092");

        var kafka = app.Single<KafkaExternalResource>("kafka");
        Assert.Equal("broker-a:9092,broker-b:9092", await kafka.ConnectionStringExpression.GetValueAsync(CancellationToken.None));
        Assert.DoesNotContain(app.Resources, r => r is KafkaBrokerResource or KafkaContainerResource || r.Name == "kafka-ui");
        Assert.Contains(kafka.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key == "kafka_check");
    }

    [Fact]
    public async Task External_mode_without_a_connection_string_names_the_missing_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("--Kafka:Mode=External"));
        Assert.Contains("ConnectionStrings:kafka", Innermost(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_mode_names_the_setting_and_the_valid_values()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("--Kafka:Mode=Zookeeper"));
        var message = Innermost(error).Message;
        Assert.Contains("Kafka:Mode", message, StringComparison.Ordinal);
        Assert.Contains("Auto, Container, Broker or External", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", typeof(KafkaContainerResource))] // `true info` exits 0: a runtime that answers
    [InlineData("false", typeof(KafkaBrokerResource))] // a runtime whose daemon is down
    [InlineData("no-such-container-runtime", typeof(KafkaBrokerResource))] // none installed
    public async Task Auto_mode_asks_the_container_runtime_and_falls_back_to_the_broker(string runtime, Type expected)
    {
        await using var app = await AppModel.BuildAsync($"--{ContainerRuntimeProbe.RuntimeKey}={runtime}");

        Assert.IsType(expected, Assert.Single(app.Resources, r => r.Name == "kafka"));
    }

    [Fact]
    public async Task Publishing_describes_the_Kafka_container_even_without_a_local_runtime()
    {
        await using var app = await AppModel.BuildAsync("--operation", "publish", "--step", "publish", $"--{ContainerRuntimeProbe.RuntimeKey}=false");

        var kafka = Assert.IsType<KafkaContainerResource>(Assert.Single(app.Resources, r => r.Name == "kafka"));
        // Deployed services are containers beside Kafka: they bootstrap from the listener advertised to containers.
        Assert.Contains("kafka.bindings.internal.", kafka.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_run_mode_host_processes_bootstrap_from_the_containers_host_listener()
    {
        await using var app = await AppModel.BuildAsync("--Kafka:Mode=Container");

        var kafka = app.Single<KafkaContainerResource>("kafka");
        Assert.Contains("kafka.bindings.tcp.", kafka.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
        Assert.DoesNotContain("internal", kafka.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_topic_name_Kafka_would_reject_is_named_at_build_time()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.BuildAsync("--Kafka:Mode=Broker", "--Pipeline:FramesTopic=frames live"));

        Assert.Contains("'frames live' is not a valid Kafka topic name", Innermost(error).Message, StringComparison.Ordinal);
    }

    private static Exception Innermost(Exception exception) =>
        exception.InnerException is null ? exception : Innermost(exception.InnerException);
}
