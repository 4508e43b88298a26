using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>
/// <c>AddKafka</c>: Apache Kafka in a container, this repository's broker as a process, or an existing cluster from
/// <c>ConnectionStrings:{name}</c>, in the mode the AppHost chose (<see cref="ChooseKafkaMode"/> reads <c>Kafka:Mode</c>
/// and resolves Auto). Configuration section <c>Kafka</c>: <c>Mode</c> (Auto|Container|Broker|External), <c>DataDir</c>
/// (broker mode), <c>Image</c>/<c>Tag</c>.
/// </summary>
public static partial class KafkaHostingExtensions
{
    public const string SectionName = "Kafka";

    internal const string DefaultImage = "apache/kafka";
    internal const string DefaultTag = "4.1.0";
    internal const string ContainerDataPath = "/var/lib/kafka/data";
    internal const string KafkaUIImage = "kafbat/kafka-ui";
    internal const string KafkaUITag = "v1.3.0";
    internal const string ContainerToolsPath = "/opt/kafka/bin";

    /// <summary>The broker process binds and advertises this address; librdkafka's "localhost" may try ::1 first.</summary>
    internal const string BrokerHost = "127.0.0.1";

    /// <summary>
    /// Adds the Kafka resource in <paramref name="mode"/> (not Auto: the AppHost chooses, see <see cref="ChooseKafkaMode"/>);
    /// <typeparamref name="TBrokerProject"/> is the broker project of <see cref="KafkaMode.Broker"/>.
    /// </summary>
    public static IResourceBuilder<IKafkaResource> AddKafka<TBrokerProject>(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, KafkaMode mode)
        where TBrokerProject : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var kafka = mode switch
        {
            KafkaMode.Container => AddContainer(builder, name),
            KafkaMode.Broker => AddBroker(builder, name, new TBrokerProject()),
            KafkaMode.External => AddExternal(builder, name),
            _ => throw new ArgumentOutOfRangeException(
                nameof(mode), mode, $"Choose Container, Broker or External ({nameof(ChooseKafkaMode)} resolves Auto)."),
        };

        var healthCheckKey = $"{name}_check";
        // The AppHost owns the topics of the broker it starts (container or ours); a cluster of yours keeps its own.
        var ownsTopics = kafka.Resource is not KafkaExternalResource;
        builder.Services.TryAddKeyedSingleton(name, (services, _) =>
            new KafkaAdmin(name, ownsTopics, services.GetRequiredService<ILogger<KafkaAdmin>>()));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            services => new KafkaResourceHealthCheck(services.GetRequiredKeyedService<KafkaAdmin>(name), kafka.Resource),
            failureStatus: default,
            tags: default));

        return kafka.WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// Declares a topic created once the broker answers, with its size limit and retention; <c>WaitFor(kafka)</c> then
    /// implies it exists. An existing topic is never altered: a different configuration is logged as a warning.
    /// </summary>
    public static IResourceBuilder<IKafkaResource> WithTopic(
        this IResourceBuilder<IKafkaResource> builder, string topic, int partitions = 1, int? maxMessageBytes = null,
        TopicRetention? retention = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        if (!TopicName().IsMatch(topic) || topic is "." or "..")
        {
            throw new ArgumentException(
                $"'{topic}' is not a valid Kafka topic name: use up to 249 letters, digits, '.', '_' and '-' (not '.' or '..' alone).",
                nameof(topic));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (maxMessageBytes is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1024, nameof(maxMessageBytes));
        }

        if (retention is { Time: { } time } && time <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(retention), time, $"The retention time of topic '{topic}' must be positive (or unset).");
        }
        if (retention is { BytesPerPartition: { } bytes } && bytes < 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(
                nameof(retention), bytes, $"The retention size of topic '{topic}' must be at least 1 MiB per partition (or unset).");
        }

        builder.WithAnnotation(new KafkaTopicAnnotation(topic, partitions, maxMessageBytes, retention));
        if (builder.Resource is KafkaContainerResource container)
        {
            WithComposeHealthCheck(builder.ApplicationBuilder.CreateResourceBuilder(container));
        }

        return builder;
    }

    /// <summary>
    /// Keeps the log between runs: a named volume for the container; the broker process already keeps its data
    /// directory (<c>Kafka:DataDir</c>); an external cluster is not ours to configure.
    /// </summary>
    public static IResourceBuilder<IKafkaResource> WithDataVolume(this IResourceBuilder<IKafkaResource> builder, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Resource is KafkaContainerResource container)
        {
            var containerBuilder = builder.ApplicationBuilder.CreateResourceBuilder(container);
            containerBuilder
                .WithVolume(name ?? VolumeNameGenerator.Generate(containerBuilder, "data"), ContainerDataPath)
                .WithEnvironment("KAFKA_LOG_DIRS", ContainerDataPath);
        }

        return builder;
    }

    /// <summary>
    /// Adds one Kafka UI container for browsing topics (container mode only: in broker mode there is no container
    /// runtime to run it). Not part of published deployments.
    /// </summary>
    public static IResourceBuilder<IKafkaResource> WithKafkaUI(this IResourceBuilder<IKafkaResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Resource is not KafkaContainerResource container)
        {
            return builder;
        }

        builder.ApplicationBuilder.AddContainer($"{container.Name}-ui", KafkaUIImage, KafkaUITag)
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 8080, name: "http")
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", container.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS",
                container.Name + ":" + KafkaContainerResource.InternalTargetPort.ToString(CultureInfo.InvariantCulture))
            .WithParentRelationship(container)
            .WaitFor(builder)
            .ExcludeFromManifest();
        return builder;
    }

    /// <summary>
    /// The mode <c>Kafka:Mode</c> asks for, with Auto resolved: External when <c>ConnectionStrings:{name}</c> is set,
    /// else Container when publishing or when a container runtime answers, else Broker. A bad value names the setting.
    /// </summary>
    public static KafkaMode ChooseKafkaMode(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configured = builder.Configuration[$"{SectionName}:Mode"];
        var mode = KafkaMode.Auto;
        if (!string.IsNullOrWhiteSpace(configured) && (!Enum.TryParse(configured, ignoreCase: true, out mode) || !Enum.IsDefined(mode)))
        {
            throw new InvalidOperationException(
                $"Configuration '{SectionName}:Mode' is '{configured}': use Auto, Container, Broker or External.");
        }

        var hasConnectionString = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name));
        if (mode == KafkaMode.Auto)
        {
            // Publishing describes a deployment, where Kafka runs as a container whatever this machine has.
            mode = hasConnectionString ? KafkaMode.External
                : builder.ExecutionContext.IsPublishMode || ContainerRuntimeProbe.IsAvailable(builder.Configuration) ? KafkaMode.Container
                : KafkaMode.Broker;
        }

        if (mode == KafkaMode.External && !hasConnectionString)
        {
            throw new InvalidOperationException(
                $"'{SectionName}:Mode' is External but 'ConnectionStrings:{name}' is not set: " +
                "set it to the cluster's bootstrap servers (host:port[,host:port]).");
        }

        return mode;
    }

    private static IResourceBuilder<IKafkaResource> AddContainer(IDistributedApplicationBuilder builder, string name)
    {
        var section = builder.Configuration.GetSection(SectionName);
        var resource = new KafkaContainerResource(name) { BootstrapFromInternalListener = builder.ExecutionContext.IsPublishMode };
        var primary = resource.PrimaryEndpoint;
        var container = builder.AddResource(resource)
            .WithImage(section["Image"] ?? DefaultImage, section["Tag"] ?? DefaultTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: KafkaContainerResource.PrimaryTargetPort, name: KafkaContainerResource.PrimaryEndpointName, scheme: "tcp")
            .WithEndpoint(targetPort: KafkaContainerResource.InternalTargetPort, name: KafkaContainerResource.InternalEndpointName, scheme: "tcp")
            .WithEnvironment("KAFKA_NODE_ID", "1")
            .WithEnvironment("KAFKA_PROCESS_ROLES", "broker,controller")
            .WithEnvironment("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:29093")
            .WithEnvironment("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
            .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
            .WithEnvironment("KAFKA_LISTENERS",
                "PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092,PLAINTEXT_INTERNAL://0.0.0.0:9093")
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT")
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .WithEnvironment("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .WithEnvironment(context =>
            {
                // Host processes reach the broker through the published port, containers through the resource name;
                // in a deployment both are the service name with the container ports.
                var hostPort = primary.Property(EndpointProperty.Port);
                var internalPort = KafkaContainerResource.InternalTargetPort.ToString(CultureInfo.InvariantCulture);
                context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = context.ExecutionContext.IsRunMode
                    ? ReferenceExpression.Create(
                        $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:{hostPort},PLAINTEXT_INTERNAL://{name}:{internalPort}")
                    : $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://{name}:{KafkaContainerResource.PrimaryTargetPort}," +
                        $"PLAINTEXT_INTERNAL://{name}:{KafkaContainerResource.InternalTargetPort}";
                if (LargestMessage(resource) is { } max)
                {
                    context.EnvironmentVariables["KAFKA_MESSAGE_MAX_BYTES"] = max.ToString(CultureInfo.InvariantCulture);
                }

                // Only for topics nobody declared (a client's auto-create); declared ones get their own partitions.
                if (MostPartitions(resource) is > 0 and var partitions)
                {
                    context.EnvironmentVariables["KAFKA_NUM_PARTITIONS"] = partitions.ToString(CultureInfo.InvariantCulture);
                }
            });
        WithComposeHealthCheck(container);
        return builder.CreateResourceBuilder<IKafkaResource>(resource);
    }

    private static IResourceBuilder<IKafkaResource> AddBroker(IDistributedApplicationBuilder builder, string name, IProjectMetadata project)
    {
        var section = builder.Configuration.GetSection(SectionName);
        var dataDirectory = Path.GetFullPath(section["DataDir"] is { Length: > 0 } configured
            ? Path.Combine(builder.AppHostDirectory, configured)
            : Path.Combine(builder.AppHostDirectory, "..", ".data", name));
        var assembly = section["BrokerAssembly"] is { Length: > 0 } configuredAssembly
            ? Path.GetFullPath(configuredAssembly, builder.AppHostDirectory)
            : BuiltAssembly(project);

        var resource = new KafkaBrokerResource(name, "dotnet", Path.GetDirectoryName(assembly)!) { DataDirectory = dataDirectory, Host = BrokerHost };
        builder.AddResource(resource)
            .WithArgs(assembly)
            // Not proxied: Kafka clients reconnect to the address the broker advertises, which must be its own port.
            .WithEndpoint(name: KafkaBrokerResource.PrimaryEndpointName, scheme: "tcp", env: ServiceEnvironment.Broker.Port, isProxied: false)
            .WithEnvironment(ServiceEnvironment.Broker.Host, BrokerHost)
            .WithEnvironment(ServiceEnvironment.Broker.AdvertisedHost, BrokerHost)
            .WithEnvironment(ServiceEnvironment.Broker.DataDir, dataDirectory)
            .WithEnvironment(context =>
            {
                // Any other broker setting from the AppHost's configuration, e.g. Kafka:Broker:RetentionCheckIntervalMs.
                foreach (var setting in section.GetSection("Broker").AsEnumerable(makePathsRelative: true).Where(s => s.Value is not null))
                {
                    context.EnvironmentVariables[ServiceEnvironment.Broker.Prefix + ServiceEnvironment.FromKey(setting.Key)] = setting.Value!;
                }

                if (LargestMessage(resource) is { } max)
                {
                    context.EnvironmentVariables[ServiceEnvironment.Broker.MessageMaxBytes] = max.ToString(CultureInfo.InvariantCulture);
                }

                if (MostPartitions(resource) is > 0 and var partitions)
                {
                    context.EnvironmentVariables[ServiceEnvironment.Broker.DefaultPartitions] = partitions.ToString(CultureInfo.InvariantCulture);
                }
            })
            .WithOtlpExporter();
        return builder.CreateResourceBuilder<IKafkaResource>(resource);
    }

    private static IResourceBuilder<IKafkaResource> AddExternal(IDistributedApplicationBuilder builder, string name)
    {
        var resource = new KafkaExternalResource(name, builder.Configuration.GetConnectionString(name)!);
        var external = builder.AddResource(resource)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Kafka (external)",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            });
        // Published, it is a value rather than a service: references get its bootstrap servers, WaitFor has nothing
        // to start. (Excluded from publishing, the services that wait for it could not be published.)
        // Nothing runs for an external cluster; marking it Running lets the health check decide when WaitFor releases.
        external.OnInitializeResource(static (r, e, _) => e.Notifications.PublishUpdateAsync(r, s => s with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = DateTime.UtcNow,
        }));
        return builder.CreateResourceBuilder<IKafkaResource>(resource);
    }

    private static int? LargestMessage(IResource resource) =>
        resource.Annotations.OfType<KafkaTopicAnnotation>().Max(t => t.MaxMessageBytes);

    private static int MostPartitions(IResource resource) =>
        resource.Annotations.OfType<KafkaTopicAnnotation>().Select(t => t.Partitions).DefaultIfEmpty().Max();

    /// <summary>
    /// The compose healthcheck, rewritten as topics are declared. In a deployment no AppHost creates the topics, so the
    /// check does what the AppHost's does in run mode: healthy once the broker answers on the services' listener and
    /// every declared topic exists with its partitions and size limit, creating the missing ones. <c>WaitFor(kafka)</c>
    /// (<c>service_healthy</c>) therefore still implies the topics exist: a consumer that subscribed to a missing topic
    /// would only notice it on its next metadata refresh (librdkafka: up to 5 minutes), and auto-creation would use the
    /// broker's default partition count.
    /// </summary>
    private static void WithComposeHealthCheck(IResourceBuilder<KafkaContainerResource> container)
    {
        var bootstrap = $"localhost:{KafkaContainerResource.InternalTargetPort.ToString(CultureInfo.InvariantCulture)}";
        var topicsTool = $"{ContainerToolsPath}/kafka-topics.sh --bootstrap-server {bootstrap}";
        var script = new StringBuilder($"topics=$({topicsTool} --list) || exit 1");
        foreach (var topic in container.Resource.Annotations.OfType<KafkaTopicAnnotation>())
        {
            // Topic names are checked by WithTopic to be [a-zA-Z0-9._-]: nothing in them needs shell quoting.
            script.Append(CultureInfo.InvariantCulture,
                $"\necho \"$topics\" | grep -qxF {topic.Name} || {topicsTool} --create --if-not-exists --topic {topic.Name}");
            script.Append(CultureInfo.InvariantCulture, $" --partitions {topic.Partitions} --replication-factor 1");
            foreach (var (key, value) in topic.Configs)
            {
                script.Append(CultureInfo.InvariantCulture, $" --config {key}={value}");
            }

            script.Append(" || exit 1");
        }

        // Each run starts a JVM (1-3 s, more on the first run when it creates topics): a generous timeout and interval.
        container.WithDockerComposeHealthCheck(
            ["CMD-SHELL", script.ToString()],
            interval: TimeSpan.FromSeconds(10),
            timeout: TimeSpan.FromSeconds(60),
            retries: 10,
            startPeriod: TimeSpan.FromSeconds(30));
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex TopicName();

    /// <summary>
    /// The broker's build output next to its project, in the configuration the AppHost was built with (the AppHost's
    /// project reference builds it). Running the assembly avoids a `dotnet run` wrapper process between DCP and the broker.
    /// </summary>
    private static string BuiltAssembly(IProjectMetadata project)
    {
        var configuration = project.GetType().Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var binDirectory = Path.Combine(Path.GetDirectoryName(project.ProjectPath)!, "bin", configuration);
        var runtimeConfig = Directory.Exists(binDirectory)
            ? Directory.EnumerateFiles(binDirectory, "*.runtimeconfig.json", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}publish{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault()
            : null;
        var assembly = runtimeConfig is null ? null : runtimeConfig[..^".runtimeconfig.json".Length] + ".dll";
        return assembly is not null && File.Exists(assembly)
            ? assembly
            : throw new InvalidOperationException(
                $"The broker is not built: no executable assembly under '{binDirectory}'. " +
                $"Run 'dotnet build AspirePipeline.sln' (or set '{SectionName}:BrokerAssembly').");
    }
}
