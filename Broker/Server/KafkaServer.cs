using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AspirePipeline.Broker.Apis;
using AspirePipeline.Broker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker.Server;

/// <summary>The TCP listener: accepts connections and runs each on its own task until the broker stops.</summary>
internal sealed partial class KafkaServer(
    IOptions<BrokerOptions> options,
    ApiRegistry registry,
    BrokerMetrics metrics,
    BrokerIdentity identity,
    ILogger<KafkaServer> logger) : IAsyncDisposable
{
    private readonly BrokerOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextConnectionId;

    /// <summary>The bound endpoint (the real port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds and starts accepting; throws a clear error when the address is unusable.</summary>
    public void Start()
    {
        var address = _options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(_options.Host.Trim('[', ']'));
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // Lets a restarted broker take its port back while old connections sit in TIME_WAIT (Linux still
                // refuses a second live listener); on Windows the option would allow stealing a live port.
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            listener.Bind(new IPEndPoint(address, _options.Port));
            listener.Listen(512);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new InvalidOperationException(
                $"Cannot listen on {_options.Host}:{_options.Port} ({ex.SocketErrorCode}): " +
                "stop whatever holds that port or pass --port <free port> (0 picks one).",
                ex);
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        identity.Port = LocalEndPoint.Port;
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
        LogListening(LocalEndPoint.Address.ToString(), LocalEndPoint.Port, identity.Host, _options.NodeId);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        var maxRequestBytes = _options.EffectiveMaxRequestBytes;
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                LogAcceptFailed(ex.Message);
                continue;
            }

            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new KafkaConnection(
                socket, id, registry, metrics, maxRequestBytes, TimeSpan.FromMilliseconds(_options.ClientStallTimeoutMs), logger);
            var running = RunConnectionAsync(connection, cancellationToken);
            _connections[id] = running;
            if (running.IsCompleted)
            {
                // It ended before it was recorded, so its own removal found nothing to remove.
                _connections.TryRemove(id, out _);
            }
        }
    }

    private async Task RunConnectionAsync(KafkaConnection connection, CancellationToken cancellationToken)
    {
        // Yield first so a connection never runs on the accept loop's stack.
        await Task.Yield();
        try
        {
            await connection.RunAsync(cancellationToken);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
        }
    }

    /// <summary>Stops accepting, cancels every connection (long-polls included) and waits for them to end.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(10));
        LogStopped();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information,
        Message = "Kafka broker node {NodeId} accepting connections on {Address}:{Port}, advertised as {AdvertisedHost}")]
    private partial void LogListening(string address, int port, string advertisedHost, int nodeId);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Accepting a connection failed: {Reason}")]
    private partial void LogAcceptFailed(string reason);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Kafka broker stopped")]
    private partial void LogStopped();
}
