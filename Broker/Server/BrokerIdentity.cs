namespace AspirePipeline.Broker.Server;

/// <summary>
/// Who this node is, as clients must reach it: Metadata and FindCoordinator answer with these. The port is known only
/// once the listener is bound (port 0 picks one), so it is filled in then.
/// </summary>
internal sealed class BrokerIdentity(Microsoft.Extensions.Options.IOptions<BrokerOptions> options) : Groups.IBrokerIdentity
{
    private int _port = options.Value.Port;

    public int NodeId { get; } = options.Value.NodeId;

    public string Host { get; } = options.Value.EffectiveAdvertisedHost;

    public int Port
    {
        get => Volatile.Read(ref _port);
        internal set => Volatile.Write(ref _port, value);
    }
}
