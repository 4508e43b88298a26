using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>
/// The <c>kafka</c> resource whichever way it is provided: services take <c>WithReference(kafka)</c> (bootstrap
/// servers in <c>ConnectionStrings__kafka</c>) and <c>WaitFor(kafka)</c> (the broker answers and the declared topics
/// exist) without knowing the mode.
/// </summary>
public interface IKafkaResource : IResourceWithConnectionString, IResourceWithWaitSupport
{
    KafkaMode Mode { get; }
}

/// <summary>Apache Kafka in a container (KRaft, one node), listeners laid out like Aspire's Kafka integration.</summary>
public sealed class KafkaContainerResource(string name) : ContainerResource(name), IKafkaResource
{
    /// <summary>Listener for processes on the host (target 9092).</summary>
    public const string PrimaryEndpointName = "tcp";

    /// <summary>Listener for other containers on the Aspire network (target 9093).</summary>
    public const string InternalEndpointName = "internal";

    internal const int PrimaryTargetPort = 9092;
    internal const int InternalTargetPort = 9093;

    private EndpointReference? _primaryEndpoint;
    private EndpointReference? _internalEndpoint;

    public KafkaMode Mode => KafkaMode.Container;

    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    public EndpointReference InternalEndpoint => _internalEndpoint ??= new(this, InternalEndpointName);

    /// <summary>
    /// Set when the model describes a deployment: the services are then containers beside Kafka, which reach it on
    /// the listener it advertises to containers (<c>PLAINTEXT_INTERNAL://{name}:9093</c>) rather than the host one.
    /// </summary>
    public bool BootstrapFromInternalListener { get; init; }

    public ReferenceExpression ConnectionStringExpression => BootstrapFromInternalListener
        ? ReferenceExpression.Create($"{InternalEndpoint.Property(EndpointProperty.HostAndPort)}")
        : ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}

/// <summary>This repository's broker (<c>Broker</c> project) run as a local process with a persistent data directory.</summary>
public sealed class KafkaBrokerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IKafkaResource
{
    public const string PrimaryEndpointName = "tcp";

    private EndpointReference? _primaryEndpoint;

    public KafkaMode Mode => KafkaMode.Broker;

    /// <summary>Where the broker keeps its log segments and committed offsets between runs.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The address the broker binds and advertises (an IP: "localhost" may resolve to ::1 first in librdkafka).</summary>
    public required string Host { get; init; }

    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Host}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

/// <summary>An existing cluster named by <c>ConnectionStrings:{name}</c>; nothing is started for it.</summary>
public sealed class KafkaExternalResource(string name, string bootstrapServers) : Resource(name), IKafkaResource
{
    public KafkaMode Mode => KafkaMode.External;

    public string BootstrapServers { get; } = bootstrapServers;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{BootstrapServers}");
}

/// <summary>A topic the resource creates once the broker answers, before dependents are released.</summary>
public sealed class KafkaTopicAnnotation(string name, int partitions, int? maxMessageBytes, TopicRetention? retention = null) : IResourceAnnotation
{
    public string Name { get; } = name;

    public int Partitions { get; } = partitions;

    /// <summary>Per-topic <c>max.message.bytes</c>; null keeps the broker's default.</summary>
    public int? MaxMessageBytes { get; } = maxMessageBytes;

    /// <summary>How long and how much the topic keeps; null keeps the broker's defaults.</summary>
    public TopicRetention? Retention { get; } = retention;

    /// <summary>
    /// The topic configuration it is created with, in Kafka's names: the same in every mode (the AppHost's CreateTopics,
    /// the published compose healthcheck's <c>kafka-topics.sh --create --config</c>).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Configs
    {
        get
        {
            var configs = new List<KeyValuePair<string, string>>();
            if (MaxMessageBytes is { } max)
            {
                configs.Add(new("max.message.bytes", max.ToString(CultureInfo.InvariantCulture)));
            }
            if (Retention?.Time is { } time)
            {
                configs.Add(new("retention.ms", ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
            }
            if (Retention?.BytesPerPartition is { } bytes)
            {
                configs.Add(new("retention.bytes", bytes.ToString(CultureInfo.InvariantCulture)));
            }
            // Retention deletes whole closed segments, and Kafka's segments default to 1 GiB and 7 days: at those sizes a
            // 1-hour, 1-GiB bound would hold up to twice its size for days. An eighth of each bound keeps it tight.
            if (Retention?.SegmentBytes is { } segmentBytes)
            {
                configs.Add(new("segment.bytes", segmentBytes.ToString(CultureInfo.InvariantCulture)));
            }
            if (Retention?.SegmentTime is { } segmentTime)
            {
                configs.Add(new("segment.ms", ((long)segmentTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
            }
            return configs;
        }
    }
}

/// <summary>
/// Kafka's delete retention for one topic: segments older than <see cref="Time"/> (<c>retention.ms</c>) or beyond
/// <see cref="BytesPerPartition"/> (<c>retention.bytes</c>, per partition) are deleted. Null leaves that bound off.
/// </summary>
public sealed record TopicRetention(TimeSpan? Time, long? BytesPerPartition)
{
    private const long MinSegmentBytes = 1024 * 1024;
    private const long MaxSegmentBytes = 1024L * 1024 * 1024;

    /// <summary>The segment size that lets the size bound act in steps of an eighth (1 MiB to 1 GiB).</summary>
    public long? SegmentBytes => BytesPerPartition is { } bytes ? Math.Clamp(bytes / 8, MinSegmentBytes, MaxSegmentBytes) : null;

    /// <summary>How often a segment is closed so the time bound acts in steps of an eighth (at least a minute).</summary>
    public TimeSpan? SegmentTime => Time is { } time ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMinute, time.Ticks / 8)) : null;
}
