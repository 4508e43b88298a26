using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Kafka;

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
