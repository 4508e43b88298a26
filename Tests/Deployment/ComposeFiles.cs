using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// The compose files of the deployment test, in the publish's output directory: the published
/// <c>docker-compose.yaml</c>, <c>docker-compose.test.yaml</c> (an override replacing only the images this machine cannot
/// pull, see docs/deploy.md, "What was run where") and <c>docker-compose.merged.yaml</c>, the two merged by docker-compose
/// itself (podman-compose 1.0.3 appends lists instead of replacing them), which podman-compose runs.
/// </summary>
internal static class ComposeFiles
{
    public const string Published = "docker-compose.yaml";
    public const string Override = "docker-compose.test.yaml";
    public const string Merged = "docker-compose.merged.yaml";

    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The topic defaults the published kafka service declares (the Broker gets the same).</summary>
    public static (int Partitions, int MessageMaxBytes) ReadKafkaTopicDefaults(string directory)
    {
        var root = Parse(File.ReadAllText(Path.Combine(directory, Published))).Documents[0].RootNode;
        var environment = Child(Child(Child(root, "services"), "kafka"), "environment") as YamlMappingNode;
        int? Setting(string name) => environment is not null
            && environment.Children.TryGetValue(new YamlScalarNode(name), out var value)
            && int.TryParse((value as YamlScalarNode)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : null;
        var partitions = Setting("KAFKA_NUM_PARTITIONS");
        var maxBytes = Setting("KAFKA_MESSAGE_MAX_BYTES");
        return partitions is not null && maxBytes is not null
            ? (partitions.Value, maxBytes.Value)
            : throw new Xunit.Sdk.XunitException("the published kafka service has no KAFKA_NUM_PARTITIONS/KAFKA_MESSAGE_MAX_BYTES");
    }

    public static void WriteOverride(string directory, int partitions, int messageMaxBytes) =>
        File.WriteAllText(Path.Combine(directory, Override), $$"""
            # Replaces only the images this machine cannot pull (see docs/deploy.md, "What was run where").
            services:
              kafka:
                # This repository's Kafka-protocol broker on the listener the services use (kafka:9093), its log in Kafka's volume.
                image: aspirepipeline/broker:latest
                environment:
                  Broker__Port: "9093"
                  Broker__AdvertisedHost: kafka
                  Broker__DataDir: /var/lib/kafka/data
                  Broker__DefaultPartitions: "{{partitions}}"
                  Broker__MessageMaxBytes: "{{messageMaxBytes}}"
                healthcheck:
                  # kafka-topics.sh is not in the Broker image: the check is that the listener accepts connections. The
                  # topics are created by the producer's first frame (auto-create), which the test starts first.
                  test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9093"]
              camera:
                # The GStreamer simulator at the same URL (rtsp://camera:8554/camera); a smaller picture for a shared 2-core machine.
                image: aspirepipeline/camera-simulator:latest
                command: ["--port", "8554", "--path", "/camera", "--width", "640", "--height", "360", "--fps", "10"]
              footage:
                # The simulator loops the recorded footage the publish bundled and mounted (./files/footage/vtest.avi).
                image: aspirepipeline/camera-simulator:latest
                command: ["--port", "8554", "--path", "/footage", "--video", "/media/footage.avi"]
              aspire-dashboard:
                image: aspirepipeline/dashboard:latest

            """);

    /// <summary>
    /// <c>docker-compose -p PROJECT -f published -f override config</c>, written with every service's networks as a
    /// list; returns the merged file's path.
    /// </summary>
    public static async Task<string> MergeAsync(ContainerEngine engine, string project, string directory)
    {
        var config = await engine.RunAsync("docker-compose", ["-p", project, "-f", Published, "-f", Override, "config"],
            ConfigTimeout, directory);
        if (config.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"docker-compose rejected the published file with the override (exit {config.ExitCode}):\n{config.StandardError}");
        }
        var merged = Path.Combine(directory, Merged);
        File.WriteAllText(merged, WithNetworkLists(config.StandardOutput));
        return merged;
    }

    /// <summary>
    /// The services <c>up SERVICE...</c> of <paramref name="composeFile"/> starts: those named and what they depend on
    /// (<c>depends_on</c>, in the list or the mapping form), or every service when none is named.
    /// </summary>
    public static IReadOnlySet<string> ServicesStartedBy(string composeFile, IReadOnlyCollection<string> named)
    {
        var services = Child(Parse(File.ReadAllText(composeFile)).Documents[0].RootNode, "services") as YamlMappingNode;
        var pending = new Stack<string>(named.Count > 0 ? named : Names(services?.Children.Keys ?? []));
        var started = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var service))
        {
            if (!started.Add(service))
            {
                continue;
            }
            var dependencies = Child(Child(services, service), "depends_on") switch
            {
                YamlMappingNode mapping => Names(mapping.Children.Keys),
                YamlSequenceNode list => Names(list.Children),
                _ => [],
            };
            foreach (var dependency in dependencies)
            {
                pending.Push(dependency);
            }
        }
        return started;
    }

    // docker-compose writes a service's networks as a mapping (`aspire: {}`), which podman-compose 1.0.3 misreads as a
    // network named "aspire={}": back to the list form the published file has.
    private static string WithNetworkLists(string compose)
    {
        var stream = Parse(compose);
        var services = Child(stream.Documents[0].RootNode, "services") as YamlMappingNode;
        foreach (var service in services?.Children.Values.OfType<YamlMappingNode>() ?? [])
        {
            if (Child(service, "networks") is YamlMappingNode networks && networks.Children.Values.All(IsEmpty))
            {
                service.Children[new YamlScalarNode("networks")] = new YamlSequenceNode(networks.Children.Keys);
            }
        }
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    // What YAML reads as null, or an empty mapping or list: a network attached with no settings.
    private static bool IsEmpty(YamlNode node) => node switch
    {
        YamlMappingNode mapping => mapping.Children.Count == 0,
        YamlSequenceNode sequence => sequence.Children.Count == 0,
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any } scalar =>
            scalar.Value is null or "" or "~" or "null" or "Null" or "NULL",
        YamlScalarNode scalar => scalar.Value is null,
        _ => false,
    };

    private static YamlStream Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream;
    }

    private static IEnumerable<string> Names(IEnumerable<YamlNode> nodes) =>
        nodes.OfType<YamlScalarNode>().Select(node => node.Value).OfType<string>();

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;
}
