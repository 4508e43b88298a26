using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace AspirePipeline.TestSupport.Network;

/// <summary>
/// A TCP relay that holds back what it forwards: a slow or jittery link where the kernel's own (netem) is not there.
/// <see cref="Delay"/> and <see cref="Jitter"/> apply to what the connecting host sends, as netem on that host's
/// interface would (its egress); <see cref="ReturnDelay"/> and <see cref="ReturnJitter"/> to what comes back. Order is
/// kept, as TCP keeps it: a chunk never overtakes the one before it. Hosts are pointed at it with
/// <see cref="NetworkHost.RedirectAsync"/>, so their programs connect to the address they were given and the relay is
/// in between.
/// </summary>
public sealed class DelayRelay : IAsyncDisposable
{
    private const int ChunkBytes = 64 * 1024;
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private long _maxLatenessMs;

    private DelayRelay(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        _accepting = AcceptAsync();
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>How long each chunk the connecting host sends is held; may change while connections are open.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>How long each chunk coming back is held.</summary>
    public TimeSpan ReturnDelay { get; set; }

    /// <summary>Up to this much more, drawn per chunk (order is still kept).</summary>
    public TimeSpan Jitter { get; set; }

    /// <summary>Up to this much more on what comes back, drawn per chunk.</summary>
    public TimeSpan ReturnJitter { get; set; }

    /// <summary>
    /// The most a chunk was written after it was due since the last <see cref="ResetLateness"/>: the relay's own delay
    /// on top of the one it was asked for (its writer not scheduled in time on a loaded machine).
    /// </summary>
    public TimeSpan MaxLateness => TimeSpan.FromMilliseconds(Interlocked.Read(ref _maxLatenessMs));

    public void ResetLateness() => Interlocked.Exchange(ref _maxLatenessMs, 0);

    /// <summary>Connections relayed so far.</summary>
    public int Connections { get; private set; }

    /// <summary>Listens on <paramref name="address"/> (a free port) and relays each connection to <paramref name="target"/>.</summary>
    public static DelayRelay Start(IPAddress address, IPEndPoint target)
    {
        var listener = new TcpListener(address, 0);
        listener.Start();
        return new DelayRelay(listener, target);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Connections++;
                lock (_connections)
                {
                    _connections.Add(RelayAsync(client));
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            client.NoDelay = upstream.NoDelay = true;
            await upstream.ConnectAsync(_target, _stop.Token);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            // One direction ending (a close, a reset) ends the connection, as a proxy does.
            Task[] pumps = [PumpAsync(client.GetStream(), upstream.GetStream(), () => Delay, () => Jitter, either.Token),
                PumpAsync(upstream.GetStream(), client.GetStream(), () => ReturnDelay, () => ReturnJitter, either.Token)];
            await Task.WhenAny(pumps);
            await either.CancelAsync();
            await Task.WhenAll(pumps);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Func<TimeSpan> delay, Func<TimeSpan> jitterUpTo,
        CancellationToken cancellationToken)
    {
        var held = Channel.CreateUnbounded<(long Due, byte[] Bytes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = WriteAsync(held.Reader, to, cancellationToken);
        try
        {
            var buffer = new byte[ChunkBytes];
            long lastDue = 0;
            while (await from.ReadAsync(buffer, cancellationToken) is var read and > 0)
            {
                var jitter = Random.Shared.NextDouble() * jitterUpTo().TotalMilliseconds;
                var due = Math.Max(lastDue, Environment.TickCount64 + (long)(delay().TotalMilliseconds + jitter));
                lastDue = due;
                held.Writer.TryWrite((due, buffer[..read]));
            }
        }
        finally
        {
            held.Writer.TryComplete();
            await writing;
        }
    }

    private async Task WriteAsync(ChannelReader<(long Due, byte[] Bytes)> held, NetworkStream to, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (due, bytes) in held.ReadAllAsync(cancellationToken))
            {
                if (due - Environment.TickCount64 is var wait and > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
                }
                var late = Environment.TickCount64 - due;
                for (var seen = Interlocked.Read(ref _maxLatenessMs); late > seen;
                     seen = Interlocked.Read(ref _maxLatenessMs))
                {
                    if (Interlocked.CompareExchange(ref _maxLatenessMs, late, seen) == seen)
                    {
                        break;
                    }
                }
                await to.WriteAsync(bytes, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
