using System.Collections.Concurrent;

namespace AspirePipeline.Producer.Recording;

/// <summary>One recorded camera's counts of its <c>frames.video</c> messages since the producer started (thread-safe).</summary>
internal sealed class RecordingStatus
{
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private long _handed;
    private long _published;
    private long _keyframes;
    private long _bytes;
    private long _skippedBytes;

    /// <summary>Access units handed to Kafka.</summary>
    public long Handed => Interlocked.Read(ref _handed);

    /// <summary>Access units Kafka acknowledged.</summary>
    public long Published => Interlocked.Read(ref _published);

    public long Keyframes => Interlocked.Read(ref _keyframes);

    /// <summary>Payload bytes Kafka acknowledged.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Bytes of ffmpeg's transport stream that were not part of a whole packet or access unit.</summary>
    public long SkippedBytes => Interlocked.Read(ref _skippedBytes);

    /// <summary>Access units not recorded, by reason (<see cref="DropReasons"/>).</summary>
    public IReadOnlyDictionary<string, long> Dropped => _dropped;

    public void OnHanded() => Interlocked.Increment(ref _handed);

    public void OnPublished(int bytes, bool keyframe)
    {
        Interlocked.Increment(ref _published);
        Interlocked.Add(ref _bytes, bytes);
        if (keyframe)
        {
            Interlocked.Increment(ref _keyframes);
        }
    }

    public void OnDropped(string reason) => _dropped.AddOrUpdate(reason, 1, static (_, count) => count + 1);

    public void OnSkipped(long bytes) => Interlocked.Add(ref _skippedBytes, bytes);
}
