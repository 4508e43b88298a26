using System.Net;
using AspirePipeline.Broker.Server;
using AspirePipeline.Broker.Topics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker;

/// <summary>
/// A running broker. In-process use: <c>await using var broker = await KafkaBroker.StartAsync(options, loggerFactory, ct)</c>
/// then point clients at <see cref="BootstrapServers"/>. The executable runs the same class under the Generic Host.
/// </summary>
internal sealed class KafkaBroker(
    KafkaServer server,
    TopicRegistry topics,
    RetentionRunner retention,
    BrokerIdentity identity) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ServiceProvider? _ownedServices;
    private Task _retention = Task.CompletedTask;
    private int _stopped;

    /// <summary><c>host:port</c> as clients should use it (advertised host, real port).</summary>
    public string BootstrapServers => $"{identity.Host}:{identity.Port}";

    public IPEndPoint LocalEndPoint => server.LocalEndPoint ?? throw new InvalidOperationException("The broker is not started.");

    public int Port => identity.Port;

    public TopicRegistry Topics => topics;

    /// <summary>Starts a broker with its own services; dispose it to stop.</summary>
    public static Task<KafkaBroker> StartAsync(
        BrokerOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var copy = options.Clone();
        copy.ValidateOrThrow();
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        // Option sections (Broker:Groups, ...) bind from configuration; in process there is none, so defaults apply.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(Options.Create(copy));
        services.AddKafkaBroker();
        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider();
        try
        {
            var broker = provider.GetRequiredService<KafkaBroker>();
            broker._ownedServices = provider;
            broker.Start();
            return Task.FromResult(broker);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>Binds and starts serving (the hosted service and <see cref="StartAsync"/> call this).</summary>
    internal void Start()
    {
        server.Start();
        _retention = retention.RunAsync(_stopping.Token);
    }

    internal async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await server.StopAsync();
        await _retention;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        if (_ownedServices is not null)
        {
            // Disposes the topic logs and the store (the host's container does this when the host owns us).
            await _ownedServices.DisposeAsync();
        }
    }
}
