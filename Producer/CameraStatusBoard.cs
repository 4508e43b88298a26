using System.Collections.Concurrent;

namespace AspirePipeline.Producer;

/// <summary>Live state of every camera: read by the health check, the gauges and tests.</summary>
internal sealed class CameraStatusBoard
{
    private readonly ConcurrentDictionary<string, CameraStatus> _cameras = new(StringComparer.Ordinal);

    public IEnumerable<CameraStatus> All => _cameras.Values;

    public CameraStatus For(string cameraId) => _cameras.GetOrAdd(cameraId, id => new CameraStatus(id));
}

/// <summary>Counters and state of one camera; updated from the capture loop, the publish loop and Kafka's delivery thread.</summary>
internal sealed class CameraStatus(string cameraId)
{
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _missed = new(StringComparer.Ordinal);
    private long _captured;
    private long _published;
    private long _reconnects;
    private long _passedThrough;
    private long _lastPublishedTicks;
    private long _lastSequence = -1;
    private volatile bool _connected;
    private volatile string? _lastError;

    public string CameraId { get; } = cameraId;

    /// <summary>Whether the camera is recorded (<see cref="CameraOptions.Record"/>).</summary>
    public bool Recorded { get; set; }

    /// <summary>The camera's recording counts (all zero for a camera that is not recorded).</summary>
    public Recording.RecordingStatus Recording { get; } = new();

    public bool Connected => _connected;

    public long Captured => Interlocked.Read(ref _captured);

    public long Published => Interlocked.Read(ref _published);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Frames handed to Kafka as the camera's own JPEG (a Motion JPEG camera passed through).</summary>
    public long PassedThrough => Interlocked.Read(ref _passedThrough);

    public long LastPublishedSequence => Interlocked.Read(ref _lastSequence);

    public string? LastError => _lastError;

    /// <summary>When Kafka last acknowledged a frame of this camera; null before the first.</summary>
    public DateTimeOffset? LastPublishedAt =>
        Interlocked.Read(ref _lastPublishedTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public DateTimeOffset? ConnectedSince { get; private set; }

    public IReadOnlyDictionary<string, long> Dropped => _dropped;

    public long DroppedFor(string reason) => _dropped.GetValueOrDefault(reason);

    /// <summary>Frames the camera's stream never delivered, by reason (<see cref="MissReasons"/>).</summary>
    public IReadOnlyDictionary<string, long> Missed => _missed;

    public void OnMissed(string reason, int frames) => _missed.AddOrUpdate(reason, frames, (_, count) => count + frames);

    public void OnConnected(DateTimeOffset now)
    {
        ConnectedSince = now;
        _connected = true;
    }

    public void OnLost(string reason)
    {
        _connected = false;
        _lastError = reason;
    }

    public void OnReconnected() => Interlocked.Increment(ref _reconnects);

    public void OnCaptured() => Interlocked.Increment(ref _captured);

    public void OnPassedThrough() => Interlocked.Increment(ref _passedThrough);

    public void OnPublished(long sequence, DateTimeOffset now)
    {
        Interlocked.Increment(ref _published);
        Interlocked.Exchange(ref _lastPublishedTicks, now.UtcTicks);
        Interlocked.Exchange(ref _lastSequence, sequence);
    }

    public void OnDropped(string reason, string? error = null)
    {
        _dropped.AddOrUpdate(reason, 1, static (_, count) => count + 1);
        if (error is not null)
        {
            _lastError = error;
        }
    }
}
