using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>
/// Hands the latest overlay JPEG from the processing worker to live-view streams. The worker asks
/// <see cref="WantsFrame"/> first, so no frame is drawn or encoded while nobody watches, and never faster than
/// <see cref="LiveViewOptions.MaxFps"/>.
/// </summary>
public sealed class LiveFrameHub(IOptions<LiveViewOptions> options, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _minimumInterval = TimeSpan.FromSeconds(1.0 / options.Value.MaxFps);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LiveFrame? _latest;
    private long _lastPublished;
    private int _viewers;

    public int Viewers => Volatile.Read(ref _viewers);

    public LiveFrame? Latest => Volatile.Read(ref _latest);

    /// <summary>True when someone watches and the stream's frame interval has passed since the last frame.</summary>
    public bool WantsFrame() =>
        Viewers > 0
        && (Volatile.Read(ref _latest) is null
            || timeProvider.GetElapsedTime(Volatile.Read(ref _lastPublished)) >= _minimumInterval);

    public void Publish(byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        TaskCompletionSource waiting;
        lock (_gate)
        {
            _latest = new LiveFrame((_latest?.Version ?? 0) + 1, jpeg);
            Volatile.Write(ref _lastPublished, timeProvider.GetTimestamp());
            waiting = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        waiting.TrySetResult();
    }

    /// <summary>Returns the first frame newer than <paramref name="version"/>, waiting for it if needed.</summary>
    public async Task<LiveFrame> NextFrameAsync(long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_latest is { } latest && latest.Version > version)
                {
                    return latest;
                }
                next = _next.Task;
            }
            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts a viewer until the returned handle is disposed.</summary>
    public IDisposable AddViewer()
    {
        Interlocked.Increment(ref _viewers);
        return new Viewer(this);
    }

    private sealed class Viewer(LiveFrameHub hub) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref hub._viewers);
            }
        }
    }
}

/// <summary>An encoded overlay frame; <see cref="Version"/> increases by one per published frame.</summary>
public sealed record LiveFrame(long Version, byte[] Jpeg);
