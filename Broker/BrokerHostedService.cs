using AspirePipeline.Contracts;
using Microsoft.Extensions.Hosting;

namespace AspirePipeline.Broker;

/// <summary>Runs the broker under the Generic Host and prints the one stdout line launchers wait for.</summary>
internal sealed class BrokerHostedService(KafkaBroker broker) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        broker.Start();
        var bound = broker.LocalEndPoint;
        // Logs go to stderr, so this is the only line on stdout: launchers (tests, the AppHost) parse it for the port.
        Console.Out.WriteLine(BrokerContract.ListeningLine(bound.Address.ToString(), bound.Port));
        Console.Out.Flush();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => broker.StopAsync();
}
