namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>One durable broker process (file store in a temp dir) shared by a client test class, so real clients exercise the on-disk log.</summary>
public sealed class ClientsBrokerFixture : IAsyncLifetime
{
    public BrokerProcess Broker { get; private set; } = null!;

    public string BootstrapServers => Broker.BootstrapServers;

    public async Task InitializeAsync() => Broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}
