using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspirePipeline.Contracts;
using AspirePipeline.Contracts.Scene;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Tests.PeopleDetection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;
using AspirePipeline.Tests.Infrastructure;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Tests.Publishing;

/// <summary>
/// Publishes the real AppHost (its Program, as <c>aspire publish</c> runs it) and checks the deployment it describes.
/// One publish is shared by the tests: they only read the files.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class AppHostPublishTests(AppHostPublishTests.PublishedAppHost published) : IClassFixture<AppHostPublishTests.PublishedAppHost>
{
    public sealed class PublishedAppHost : IAsyncLifetime
    {
        private readonly string _directory = ComposePublish.NewDirectory();

        internal ComposePublish Output { get; private set; } = null!;

        /// <summary>The cameras and consumer groups the published AppHost declared.</summary>
        public PipelineTopology Topology { get; private set; } = new([], []);

        /// <summary>Each camera's zones and lines, as the published AppHost read them.</summary>
        public IReadOnlyDictionary<string, CameraScene> Scenes { get; private set; } = new Dictionary<string, CameraScene>();

        public async Task InitializeAsync()
        {
            using var timeout = new CancellationTokenSource(ComposePublish.Timeout);
            // Three replicas of the first group, as a deployment would scale it through configuration; partitions and
            // message size off their defaults, so the Kafka settings are seen to come from the configuration.
            string[] args =
            [
                .. ComposePublish.PublishArgs(_directory),
                "--Pipeline:Groups:consumer:Replicas=3",
                "--Pipeline:Partitions=6",
                "--Pipeline:MaxMessageBytes=4194304",
            ];
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);
            await using var app = await builder.BuildAsync(timeout.Token);
            var resources = app.Services.GetRequiredService<DistributedApplicationModel>().Resources;
            Topology = PipelineTopology.Of(resources);
            Scenes = resources.OfType<ICameraResource>()
                .ToDictionary(camera => camera.Name, camera => camera.Annotations.OfType<CameraSceneAnnotation>().Single().Scene);
            await app.RunAsync(timeout.Token).WaitAsync(ComposePublish.Timeout);
            Output = ComposePublish.Open(_directory);
        }

        public Task DisposeAsync()
        {
            Output?.Dispose();
            return Task.CompletedTask;
        }
    }

    private ComposePublish Output => published.Output;

    private PipelineTopology Topology => published.Topology;

    /// <summary>The services built from this repository's projects: the producer and one per consumer group.</summary>
    private IEnumerable<string> ProjectServices => ["producer", .. Topology.Groups.Select(group => group.Resource)];

    [Fact]
    public async Task Docker_compose_accepts_the_published_apphost()
    {
        var (exitCode, output) = await Output.ComposeConfigAsync();

        Assert.True(exitCode == 0, $"docker-compose config rejected the AppHost's output:\n{output}");
    }

    [Fact]
    public void The_pipeline_becomes_kafka_every_camera_the_producer_every_consumer_group_the_clips_service_and_the_dashboard()
    {
        Assert.Equal(["camera", "footage"], Topology.Cameras);
        Assert.Equal(["consumer", "consumer2", "people"], Topology.Groups.Select(group => group.Resource));
        var names = Output.Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            new[] { "aspire-dashboard", "clips", "kafka", "producer" }
                .Concat(Topology.Cameras).Concat(Topology.Groups.Select(g => g.Resource)).Order(StringComparer.Ordinal),
            names);

        Assert.Equal("docker.io/apache/kafka:4.1.0", ComposePublish.Scalar(Output.Service("kafka"), "image"));
        Assert.Equal("aspirepipeline/producer:latest", ComposePublish.Scalar(Output.Service("producer"), "image"));
        Assert.Equal("aspirepipeline/clips:latest", ComposePublish.Scalar(Output.Service("clips"), "image"));
        // A group runs in the image of the project that hosts it: the people group in the Consumer project's.
        Assert.Equal("aspirepipeline/consumer:latest", ComposePublish.Scalar(Output.Service("consumer"), "image"));
        Assert.Equal("aspirepipeline/consumer2:latest", ComposePublish.Scalar(Output.Service("consumer2"), "image"));
        Assert.Equal("aspirepipeline/consumer:latest", ComposePublish.Scalar(Output.Service("people"), "image"));
        Assert.Equal("people", ComposePublish.Environment(Output.Service("people"))[ServiceEnvironment.ConsumerGroup.Analyzer]);
        foreach (var camera in Topology.Cameras)
        {
            Assert.StartsWith("docker.io/bluenviron/mediamtx:", ComposePublish.Scalar(Output.Service(camera), "image"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_recorded_footage_travels_with_the_compose_file_and_is_mounted_into_its_camera()
    {
        var volume = Assert.Single(ComposePublish.List(Output.Service("footage"), "volumes"));
        Assert.Equal("./files/footage/vtest.avi:/media/footage.avi:ro", volume);
        var bundled = Path.Combine(Path.GetDirectoryName(Output.ComposePath)!, "files", "footage", "vtest.avi");
        Assert.Equal(new FileInfo(RecordedFootage.Pedestrians).Length, new FileInfo(bundled).Length);
    }

    [Fact]
    public void Each_group_reads_the_zones_and_lines_of_the_cameras_it_watches_from_its_compose_environment()
    {
        Assert.False(published.Scenes["footage"].IsEmpty);
        foreach (var group in Topology.Groups)
        {
            // The service's configuration of its environment variables ('__' is ':'), read as SceneCatalog reads it.
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(ComposePublish.Environment(Output.Service(group.Resource))
                    .Select(variable => KeyValuePair.Create(variable.Key.Replace("__", ":", StringComparison.Ordinal), (string?)variable.Value)))
                .Build();
            foreach (var (camera, scene) in published.Scenes)
            {
                var prefix = $"{CameraScene.ServiceSectionName}:{camera}";
                var section = configuration.GetSection(prefix);
                var settings = new CameraSceneSettings();
                section.Bind(settings);
                var read = CameraScene.Read(camera, settings, section.Path);
                Assert.Equal(
                    group.Analyses(camera) ? scene.ToConfiguration(prefix).ToDictionary() : new Dictionary<string, string>(),
                    read.ToConfiguration(prefix).ToDictionary());
            }
        }
    }

    [Fact]
    public void Services_bootstrap_from_the_internal_listener_and_wait_until_kafka_is_healthy()
    {
        foreach (var service in ProjectServices)
        {
            AssertBootstrapsFromTheInternalListener(service);
        }
    }

    private void AssertBootstrapsFromTheInternalListener(string service)
    {
        var bootstrap = ComposePublish.Environment(Output.Service(service))[ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)];

        Assert.Equal("kafka:9093", bootstrap);
        var kafka = Output.Service("kafka");
        Assert.Contains("9093", ComposePublish.List(kafka, "expose"));
        // A client bootstraps here, then reconnects to what the broker advertises: that must be the same address.
        var advertised = ComposePublish.Environment(kafka)["KAFKA_ADVERTISED_LISTENERS"].Split(',');
        Assert.Contains("PLAINTEXT_INTERNAL://kafka:9093", advertised);
        Assert.Equal("service_healthy", ComposePublish.Scalar(Output.Service(service), "depends_on", "kafka", "condition"));
    }

    [Fact]
    public void Kafka_defaults_cover_the_largest_declared_topic()
    {
        var environment = ComposePublish.Environment(Output.Service("kafka"));

        // A topic only a client creates (auto-create) gets these; the consumer replicas need the partitions.
        Assert.Equal("6", environment["KAFKA_NUM_PARTITIONS"]);
        Assert.Equal("4194304", environment["KAFKA_MESSAGE_MAX_BYTES"]);
    }

    [Fact]
    public async Task Kafkas_healthcheck_creates_every_declared_topic_with_its_partitions_and_size()
    {
        var kafka = Output.Service("kafka");
        var test = ((YamlSequenceNode)((YamlMappingNode)kafka["healthcheck"])["test"]).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

        Assert.Equal("CMD-SHELL", test[0]);
        // Compose writes a literal '$' as '$$'; the shell gets the single one.
        var script = Assert.Single(test.Skip(1)).Replace("$$", "$", StringComparison.Ordinal);
        var lines = script.Split('\n');
        Assert.StartsWith("topics=$(/opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9093 --list)", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(
            "--create --if-not-exists --topic frames --partitions 6 --replication-factor 1 --config max.message.bytes=4194304 ",
            StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(
            "--create --if-not-exists --topic frames.analysis --partitions 6 --replication-factor 1 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(
            "--create --if-not-exists --topic frames.dlq --partitions 1 --replication-factor 1 --config max.message.bytes=4194304 ",
            StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(
            "--create --if-not-exists --topic frames.events --partitions 6 --replication-factor 1 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(
            "--create --if-not-exists --topic frames.video --partitions 6 --replication-factor 1 --config max.message.bytes=4194304 "
            + "--config retention.ms=86400000 --config retention.bytes=17179869184 ", StringComparison.Ordinal));
        Assert.Equal(6, lines.Length);

        // The image's /bin/sh runs it: it must at least parse (sh -n reads without executing).
        var (exitCode, output) = await ShellSyntaxCheckAsync(script);
        Assert.True(exitCode == 0, $"sh -n rejected the healthcheck script:\n{output}\n{script}");
    }

    private static async Task<(int ExitCode, string Output)> ShellSyntaxCheckAsync(string script)
    {
        var start = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(ComposePublish.Timeout);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public void Every_service_sends_telemetry_to_the_dashboard_service()
    {
        var dashboard = Output.Service("aspire-dashboard");
        Assert.Contains("18889", ComposePublish.List(dashboard, "expose"));
        foreach (var service in ProjectServices)
        {
            var environment = ComposePublish.Environment(Output.Service(service));
            Assert.Equal("http://aspire-dashboard:18889", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal(service, environment["OTEL_SERVICE_NAME"]);
        }
    }

    [Fact]
    public void Images_not_built_from_this_repository_are_pinned_to_a_release()
    {
        foreach (var (key, node) in Output.Services.Children)
        {
            var image = ComposePublish.Scalar((YamlMappingNode)node, "image")!;
            if (image.StartsWith("aspirepipeline/", StringComparison.Ordinal))
            {
                continue; // built by containers/build-images.sh next to the compose file
            }

            var tag = image[(image.LastIndexOf(':') + 1)..];
            Assert.True(tag.Length > 0 && char.IsAsciiDigit(tag[0]), $"Service '{key}' runs '{image}': pin a released version, not a moving tag.");
        }

        Assert.Equal("mcr.microsoft.com/dotnet/aspire-dashboard:13.5.2", ComposePublish.Scalar(Output.Service("aspire-dashboard"), "image"));
        Assert.Equal("docker.io/bluenviron/mediamtx:1.18.2-ffmpeg", ComposePublish.Scalar(Output.Service("camera"), "image"));
    }

    [Fact]
    public void The_dashboard_asks_for_a_login_by_default()
    {
        var dashboard = ComposePublish.Environment(Output.Service("aspire-dashboard"));

        Assert.Equal("BrowserToken", dashboard["DASHBOARD__FRONTEND__AUTHMODE"]);
        Assert.DoesNotContain(dashboard, e => e.Value == "Unsecured" && e.Key != "DASHBOARD__OTLP__AUTHMODE");
        // OTLP stays inside the compose network: not published on the host.
        Assert.Equal(["18888:18888"], ComposePublish.List(Output.Service("aspire-dashboard"), "ports"));
    }

    [Fact]
    public void The_producer_reads_every_simulated_camera_by_service_name_and_waits_for_it()
    {
        var producer = Output.Service("producer");
        var environment = ComposePublish.Environment(producer);

        for (var index = 0; index < Topology.Cameras.Count; index++)
        {
            var camera = Topology.Cameras[index];
            Assert.Equal(camera, environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)]);
            Assert.Equal($"rtsp://{camera}:8554/{camera}", environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)]);
            Assert.NotNull(ComposePublish.Scalar(producer, "depends_on", camera, "condition"));
        }
        Assert.DoesNotContain("_URL", Output.EnvText, StringComparison.Ordinal);
    }

    [Fact]
    public void Kafka_keeps_its_data_in_a_named_volume_and_the_development_ui_is_left_out()
    {
        var kafka = Output.Service("kafka");

        var volume = Assert.Single(ComposePublish.List(kafka, "volumes"));
        Assert.EndsWith(":/var/lib/kafka/data", volume, StringComparison.Ordinal);
        var volumeName = volume[..volume.IndexOf(':', StringComparison.Ordinal)];
        Assert.Equal("local", ComposePublish.Scalar(Output.Root, "volumes", volumeName, "driver"));
        Assert.DoesNotContain("kafka-ui", File.ReadAllText(Output.ComposePath), StringComparison.Ordinal);
    }

    [Fact]
    public void Consumer_group_replicas_from_configuration_become_deploy_replicas()
    {
        Assert.Equal(3, Topology.Group("consumer").Replicas);
        Assert.Equal("3", ComposePublish.Scalar(Output.Service("consumer"), "deploy", "replicas"));
        Assert.All(Topology.Groups.Where(group => group.Replicas == 1),
            group => Assert.Null(ComposePublish.Scalar(Output.Service(group.Resource), "deploy", "replicas")));
    }
}
