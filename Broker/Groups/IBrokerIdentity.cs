namespace AspirePipeline.Broker.Groups;

/// <summary>
/// Where clients reach this broker: FindCoordinator answers with it because a single node coordinates every group.
/// The broker's server provides the implementation (its node id and advertised listener).
/// </summary>
public interface IBrokerIdentity
{
    int NodeId { get; }

    string Host { get; }

    int Port { get; }
}
