using System.Runtime.InteropServices;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM ask for an orderly teardown through <see cref="Token"/>; a second one ends the process
/// at once, and TestSupport's exit handlers still kill the processes and remove the network.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _terminate;
    private int _signals;

    public StopSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = Request());
    }

    public CancellationToken Token => _stop.Token;

    public bool Requested => _stop.IsCancellationRequested;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Request();

    // True: handled, the process goes on to tear down. False (a second signal): the default, the process ends.
    private bool Request()
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            return false;
        }
        _stop.Cancel();
        return true;
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _terminate.Dispose();
        _stop.Dispose();
    }
}
