using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Kafka;

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
