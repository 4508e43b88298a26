using System.Net;
using System.Net.Sockets;
using System.Collections.Concurrent;

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
            // The pumps' threads block in reads: closing both ends is what stops them.
            using var closeBoth = either.Token.Register(() =>
            {
                client.Close();
                upstream.Close();
            });
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

    /// <summary>
    /// One direction, on two threads of its own: a reader, and a writer that holds each chunk until it is due. On the
    /// thread pool, a test process whose other work held pool threads had chunks written up to 540 ms after they were
    /// due, and the p99 it measured was the relay's (SlowLinkTests, with 2 minimum pool threads on this machine).
    /// </summary>
    private Task PumpAsync(NetworkStream from, NetworkStream to, Func<TimeSpan> delay, Func<TimeSpan> jitterUpTo,
        CancellationToken cancellationToken)
    {
        var held = new BlockingCollection<(long Due, byte[] Bytes)>();
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = new Thread(() =>
        {
            try
            {
                Write(held, to, cancellationToken);
            }
            finally
            {
                written.TrySetResult();
            }
        }) { IsBackground = true, Name = "relay-write" };
        var reader = new Thread(() =>
        {
            try
            {
                Read(from, held, delay, jitterUpTo, cancellationToken);
            }
            finally
            {
                held.CompleteAdding();
            }
        }) { IsBackground = true, Name = "relay-read" };
        writer.Start();
        reader.Start();
        return written.Task;
    }

    private static void Read(NetworkStream from, BlockingCollection<(long Due, byte[] Bytes)> held, Func<TimeSpan> delay,
        Func<TimeSpan> jitterUpTo, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[ChunkBytes];
            long lastDue = 0;
            while (!cancellationToken.IsCancellationRequested && from.Read(buffer) is var read and > 0)
            {
                var jitter = Random.Shared.NextDouble() * jitterUpTo().TotalMilliseconds;
                var due = Math.Max(lastDue, Environment.TickCount64 + (long)(delay().TotalMilliseconds + jitter));
                lastDue = due;
                held.Add((due, buffer[..read]), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    private void Write(BlockingCollection<(long Due, byte[] Bytes)> held, NetworkStream to, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (due, bytes) in held.GetConsumingEnumerable(cancellationToken))
            {
                // Holding the chunk until it is due is what the relay is for; cancellation ends the wait.
                if (due - Environment.TickCount64 is var wait and > 0 && cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(wait)))
                {
                    return;
                }
                to.Write(bytes);
                RecordLateness(Environment.TickCount64 - due);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    private void RecordLateness(long late)
    {
        for (var seen = Interlocked.Read(ref _maxLatenessMs); late > seen; seen = Interlocked.Read(ref _maxLatenessMs))
        {
            if (Interlocked.CompareExchange(ref _maxLatenessMs, late, seen) == seen)
            {
                break;
            }
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
