using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts;
using AspirePipeline.Hosting.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Publishing;

/// <summary>
/// Publishes small app models built in the test (not the AppHost) so every mapping rule is exercised on its own:
/// a broker-like container with a connection string, projects, replicas, waits, parameters, volumes, exclusions.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class DockerComposePublishingTests
{
    /// <summary>A container that is also a connection-string resource, shaped like the Kafka resource.</summary>
    private sealed class BrokerResource(string name) : ContainerResource(name), IResourceWithConnectionString
    {
        public ReferenceExpression ConnectionStringExpression =>
            ReferenceExpression.Create($"{this.GetEndpoint("internal").Property(EndpointProperty.HostAndPort)}");
    }

    private static string WriteProject(string directory, string name, string? containerRepository, string? tag = null)
    {
        var projectDirectory = Path.Combine(directory, "src", name);
        Directory.CreateDirectory(projectDirectory);
        var path = Path.Combine(projectDirectory, name + ".csproj");
        var repository = containerRepository is null ? "" : $"<ContainerRepository>{containerRepository}</ContainerRepository>";
        var imageTag = tag is null ? "" : $"<ContainerImageTag>{tag}</ContainerImageTag>";
        File.WriteAllText(path, $"""
            <Project Sdk="Microsoft.NET.Sdk.Worker">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                {repository}
                {imageTag}
              </PropertyGroup>
            </Project>
            """);
        return path;
    }

    /// <summary>The model most tests publish: broker, two projects (one replicated), a one-shot job, a UI excluded from publish.</summary>
    private static void PipelineModel(IDistributedApplicationBuilder builder, string directory)
    {
        builder.AddDockerComposePublishing();
        var broker = builder.AddResource(new BrokerResource("kafka"))
            .WithImage("apache/kafka", "4.1.0")
            .WithEndpoint(port: 9092, targetPort: 9092, name: "tcp", isExternal: true)
            .WithEndpoint(targetPort: 9093, name: "internal")
            .WithVolume("kafka-data", "/var/lib/kafka/data")
            .WithEnvironment("KAFKA_NODE_ID", "1")
            .WithEnvironment(context => context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                $"PLAINTEXT_INTERNAL://{((BrokerResource)context.Resource).GetEndpoint("internal").Property(EndpointProperty.HostAndPort)}"))
            .WithDockerComposeHealthCheck(["CMD-SHELL", "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092"]);

        var topics = builder.AddContainer("create-topics", "apache/kafka", "4.1.0")
            .WithEntrypoint("/opt/kafka/bin/kafka-topics.sh")
            .WithArgs("--bootstrap-server", "kafka:9093", "--create", "--if-not-exists", "--topic", "frames")
            .WithReference(broker)
            .WaitFor(broker);

        var password = builder.AddParameter("kafka-password", secret: true);
        var topic = builder.AddParameter("frames-topic", "frames", publishValueAsDefault: true);
        var greeting = builder.AddParameter("greeting", "hello world #1 $HOME", publishValueAsDefault: true);

        builder.AddProject("producer", WriteProject(directory, "Producer", "aspirepipeline/producer"))
            .WithReference(broker)
            .WithEnvironment("Kafka__Password", password)
            .WithEnvironment("Frames__Topic", topic)
            .WithEnvironment("Literal__Dollar", "cost is $5")
            .WithEnvironment("Greeting", greeting)
            .WaitFor(broker)
            .WaitForCompletion(topics);

        builder.AddProject("consumer", WriteProject(directory, "Consumer", "aspirepipeline/consumer", tag: "1.2.3"))
            .WithReference(broker)
            .WithEnvironment("Frames__Topic", topic)
            .WithReplicas(3)
            .WaitFor(broker);

        builder.AddContainer("kafka-ui", "kafbat/kafka-ui")
            .WithHttpEndpoint(targetPort: 8080)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS",
                ReferenceExpression.Create($"{broker.GetEndpoint("internal").Property(EndpointProperty.HostAndPort)}"))
            .ExcludeFromManifest();
    }

    private static Task<ComposePublish> PublishPipelineModelAsync() => ComposePublish.RunAsync(PipelineModel);

    [Fact]
    public async Task Writes_one_service_per_published_resource_plus_the_dashboard()
    {
        using var publish = await PublishPipelineModelAsync();

        var names = publish.Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.Equal(["kafka", "create-topics", "producer", "consumer", "aspire-dashboard"], names);
        Assert.Equal("apache/kafka:4.1.0", ComposePublish.Scalar(publish.Service("kafka"), "image"));
        Assert.Equal("aspirepipeline/producer:latest", ComposePublish.Scalar(publish.Service("producer"), "image"));
        Assert.Equal("aspirepipeline/consumer:1.2.3", ComposePublish.Scalar(publish.Service("consumer"), "image"));
        Assert.Equal("mcr.microsoft.com/dotnet/aspire-dashboard:13.5.2", ComposePublish.Scalar(publish.Service("aspire-dashboard"), "image"));
    }

    [Fact]
    public async Task References_become_service_names_and_target_ports_and_telemetry_goes_to_the_dashboard()
    {
        using var publish = await PublishPipelineModelAsync();

        var producer = ComposePublish.Environment(publish.Service("producer"));
        Assert.Equal("kafka:9093", producer[ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)]);
        Assert.Equal("http://aspire-dashboard:18889", producer["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("grpc", producer["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("producer", producer["OTEL_SERVICE_NAME"]);
        Assert.Equal("cost is $$5", producer["Literal__Dollar"]);

        var consumer = ComposePublish.Environment(publish.Service("consumer"));
        Assert.Equal("kafka:9093", consumer[ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)]);
        Assert.Equal("consumer", consumer["OTEL_SERVICE_NAME"]);

        var kafka = ComposePublish.Environment(publish.Service("kafka"));
        Assert.Equal("PLAINTEXT_INTERNAL://kafka:9093", kafka["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.Equal("1", kafka["KAFKA_NODE_ID"]);
    }

    [Fact]
    public async Task Endpoints_volumes_entrypoint_and_args_are_mapped()
    {
        using var publish = await PublishPipelineModelAsync();

        var kafka = publish.Service("kafka");
        Assert.Equal(["9092:9092"], ComposePublish.List(kafka, "ports"));
        Assert.Equal(["9093"], ComposePublish.List(kafka, "expose"));
        Assert.Equal(["kafka-data:/var/lib/kafka/data"], ComposePublish.List(kafka, "volumes"));
        Assert.Equal("local", ComposePublish.Scalar(publish.Root, "volumes", "kafka-data", "driver"));
        Assert.Equal("bridge", ComposePublish.Scalar(publish.Root, "networks", "aspire", "driver"));
        Assert.Equal(["aspire"], ComposePublish.List(kafka, "networks"));

        var topics = publish.Service("create-topics");
        Assert.Equal(["/opt/kafka/bin/kafka-topics.sh"], ComposePublish.List(topics, "entrypoint"));
        Assert.Equal(["--bootstrap-server", "kafka:9093", "--create", "--if-not-exists", "--topic", "frames"],
            ComposePublish.List(topics, "command"));

        var dashboard = publish.Service("aspire-dashboard");
        Assert.Equal(["18888:18888"], ComposePublish.List(dashboard, "ports"));
        Assert.Contains("18889", ComposePublish.List(dashboard, "expose"));
    }

    [Fact]
    public async Task The_dashboard_port_and_address_come_from_the_DockerCompose_section_and_login_stays_on()
    {
        using var publish = await ComposePublish.RunAsync((builder, directory) =>
        {
            builder.Configuration["DockerCompose:DashboardHostPort"] = "0";
            builder.Configuration["DockerCompose:DashboardHostAddress"] = "127.0.0.1";
            PipelineModel(builder, directory);
        });

        var dashboard = publish.Service("aspire-dashboard");
        Assert.Equal(["127.0.0.1::18888"], ComposePublish.List(dashboard, "ports"));
        Assert.Equal("BrowserToken", ComposePublish.Environment(dashboard)["DASHBOARD__FRONTEND__AUTHMODE"]);
        var (exitCode, output) = await publish.ComposeConfigAsync();
        Assert.True(exitCode == 0, $"docker-compose config rejected the output:\n{output}");
    }

    [Fact]
    public async Task Waits_become_depends_on_with_the_matching_condition_and_replicas_become_deploy_replicas()
    {
        using var publish = await PublishPipelineModelAsync();

        var producer = publish.Service("producer");
        Assert.Equal("service_healthy", ComposePublish.Scalar(producer, "depends_on", "kafka", "condition"));
        Assert.Equal("service_completed_successfully", ComposePublish.Scalar(producer, "depends_on", "create-topics", "condition"));
        Assert.Null(ComposePublish.Scalar(producer, "deploy", "replicas"));

        var consumer = publish.Service("consumer");
        Assert.Equal("3", ComposePublish.Scalar(consumer, "deploy", "replicas"));
        Assert.Equal("service_healthy", ComposePublish.Scalar(consumer, "depends_on", "kafka", "condition"));

        Assert.Equal(["CMD-SHELL", "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092"],
            ComposePublish.List((YamlMappingNode)publish.Service("kafka")["healthcheck"], "test"));

        // A one-shot job that restarted would never complete.
        Assert.Null(ComposePublish.Scalar(publish.Service("create-topics"), "restart"));
        Assert.Equal("unless-stopped", ComposePublish.Scalar(producer, "restart"));
    }

    [Fact]
    public async Task Parameters_become_variables_with_commented_env_entries_and_secrets_are_never_inlined()
    {
        using var publish = await PublishPipelineModelAsync();

        var producer = ComposePublish.Environment(publish.Service("producer"));
        Assert.Equal("${KAFKA_PASSWORD}", producer["Kafka__Password"]);
        Assert.Equal("${FRAMES_TOPIC}", producer["Frames__Topic"]);

        var lines = publish.EnvText.Split('\n');
        Assert.Contains("KAFKA_PASSWORD=", lines);
        Assert.Contains("FRAMES_TOPIC=frames", lines);
        var passwordLine = Array.IndexOf(lines, "KAFKA_PASSWORD=");
        Assert.StartsWith("# Parameter 'kafka-password'", lines[passwordLine - 1]);
        Assert.Contains("Secret", lines[passwordLine - 1]);
        var topicLine = Array.IndexOf(lines, "FRAMES_TOPIC=frames");
        Assert.Contains("used by producer, consumer", lines[topicLine - 1]);
    }

    [Fact]
    public async Task Resources_excluded_from_publish_are_left_out()
    {
        using var publish = await PublishPipelineModelAsync();

        Assert.DoesNotContain(new YamlScalarNode("kafka-ui"), publish.Services.Children.Keys);
        Assert.DoesNotContain("kafka-ui", File.ReadAllText(publish.ComposePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_docker_compose_accepts_the_output()
    {
        using var publish = await PublishPipelineModelAsync();

        var (exitCode, output) = await publish.ComposeConfigAsync(new Dictionary<string, string> { ["KAFKA_PASSWORD"] = "s3cret" });

        Assert.True(exitCode == 0, $"docker-compose config rejected the output:\n{output}");
        // compose interpolated the secret from the environment and the default from .env, and kept the replicas.
        Assert.Contains("Kafka__Password: s3cret", output, StringComparison.Ordinal);
        Assert.Contains("Frames__Topic: frames", output, StringComparison.Ordinal);
        // Spaces, '#' and '$' in a .env value arrive literally ('$$' is compose's own spelling of a literal '$').
        Assert.Contains("Greeting: 'hello world #1 $$HOME'", output, StringComparison.Ordinal);
        Assert.Contains("Literal__Dollar: cost is $$5", output, StringComparison.Ordinal);
        Assert.Contains("replicas: 3", output, StringComparison.Ordinal);
        Assert.Contains("condition: service_completed_successfully", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executables_become_services_only_with_a_publish_image()
    {
        using var publish = await ComposePublish.RunAsync((builder, directory) =>
        {
            builder.AddDockerComposePublishing();
            builder.AddExecutable("simulator", "python3", directory, "simulate.py")
                .WithEndpoint(targetPort: 8554, name: "rtsp", scheme: "rtsp")
                .PublishAsDockerComposeImage("bluenviron/mediamtx", "1.9.0");
            builder.AddExecutable("local-tool", "bash", directory, "-c", "true");
        });

        Assert.Equal("bluenviron/mediamtx:1.9.0", ComposePublish.Scalar(publish.Service("simulator"), "image"));
        Assert.Equal(["8554"], ComposePublish.List(publish.Service("simulator"), "expose"));
        Assert.Empty(ComposePublish.List(publish.Service("simulator"), "command"));
        Assert.DoesNotContain(new YamlScalarNode("local-tool"), publish.Services.Children.Keys);
    }

    [Fact]
    public async Task A_dockerfile_resource_is_built_by_compose_from_paths_relative_to_the_compose_file()
    {
        using var publish = await ComposePublish.RunAsync((builder, directory) =>
        {
            var context = Path.Combine(directory, "src", "web");
            Directory.CreateDirectory(context);
            File.WriteAllText(Path.Combine(context, "Dockerfile"), "FROM nginx:1.27\nARG BANNER\n");
            builder.AddDockerComposePublishing();
            var banner = builder.AddParameter("banner", "hello", publishValueAsDefault: true);
            builder.AddDockerfile("web", context)
                .WithBuildArg("BANNER", banner)
                .WithHttpEndpoint(targetPort: 80, isProxied: false);
        });

        var build = (YamlMappingNode)publish.Service("web")["build"];
        Assert.Equal(Path.Combine("src", "web"), ComposePublish.Scalar(build, "context"));
        Assert.Equal("Dockerfile", ComposePublish.Scalar(build, "dockerfile"));
        Assert.Equal("${BANNER}", ComposePublish.Scalar(build, "args", "BANNER"));
        Assert.Equal(["80"], ComposePublish.List(publish.Service("web"), "expose"));

        var (exitCode, output) = await publish.ComposeConfigAsync();
        Assert.True(exitCode == 0, $"docker-compose config rejected the output:\n{output}");
        Assert.Contains("BANNER: hello", output, StringComparison.Ordinal);
        Assert.Contains("# Parameter 'banner' (used by web)", publish.EnvText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_model_fails_at_publish_time_naming_each_resource_and_problem()
    {
        var directory = ComposePublish.NewDirectory();
        try
        {
            var builder = ComposePublish.CreateBuilder(directory);
            builder.AddDockerComposePublishing();
            var ui = builder.AddContainer("kafka-ui", "kafbat/kafka-ui").WithHttpEndpoint(targetPort: 8080).ExcludeFromManifest();
            builder.AddContainer("cache", "redis").WithEndpoint(name: "tcp", scheme: "tcp", isProxied: true);
            builder.AddProject("worker", WriteProject(directory, "Worker", containerRepository: null));
            builder.AddContainer("web", "nginx").WithEnvironment("Ui__Url", ui.GetEndpoint("http"));

            // A failed publish step does not make RunAsync throw: the pipeline logs the failure, which is what the person
            // running `aspire publish` reads.
            var errors = new CapturingLoggerProvider(LogLevel.Error);
            builder.Services.AddSingleton<ILoggerProvider>(errors);

            try
            {
                await ComposePublish.PublishAsync(builder);

                // `dotnet run -- --operation publish` ends with this code; without it a failed publish exits 0.
                Assert.Equal(1, Environment.ExitCode);
            }
            finally
            {
                Environment.ExitCode = 0;
            }

            var failure = errors.Entries.Select(e => e.Exception).OfType<Exception>().FirstOrDefault()
                ?? throw new Xunit.Sdk.XunitException("Publishing a broken model logged no error.");
            var problems = FindProblems(failure);
            Assert.Contains(errors.Entries, e => e.Message.Contains("Docker Compose publishing failed", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("'cache'", StringComparison.Ordinal)
                && p.Contains("endpoint 'tcp' has no target port", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("'worker' has no container image name", StringComparison.Ordinal)
                && p.Contains("<ContainerRepository>", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("'web'", StringComparison.Ordinal)
                && p.Contains("'Ui__Url'", StringComparison.Ordinal)
                && p.Contains("'kafka-ui'", StringComparison.Ordinal)
                && p.Contains("excluded from publishing", StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(directory, "docker-compose.yaml")), "nothing is written for a broken model");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IReadOnlyList<string> FindProblems(Exception failure)
    {
        for (Exception? current = failure; current is not null; current = current.InnerException)
        {
            if (current is DockerComposePublishException publishFailure)
            {
                return publishFailure.Problems;
            }

            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (FindProblems(inner) is { Count: > 0 } found)
                    {
                        return found;
                    }
                }
            }
        }

        return failure is AggregateException
            ? []
            : throw new Xunit.Sdk.XunitException($"Publishing failed without a DockerComposePublishException:\n{failure}");
    }
}
