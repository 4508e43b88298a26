namespace AspirePipeline.Broker.Groups;

/// <summary>
/// Where clients reach this broker: Metadata, DescribeConfigs and FindCoordinator (a single node coordinates every
/// group) answer with it. The broker's server provides the implementation (its node id and advertised listener), so
/// the handlers depend on this and not on the server.
/// </summary>
internal interface IBrokerIdentity
{
    int NodeId { get; }

    string Host { get; }

    int Port { get; }

    /// <summary>Kafka clients log and compare this; any stable non-empty string works for a single node.</summary>
    string ClusterId => "aspirepipeline-broker";
}
