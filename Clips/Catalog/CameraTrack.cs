namespace AspirePipeline.Clips.Catalog;

/// <summary>
/// One camera's messages on one partition, as the catalog keeps them: its keyframes' offsets and timestamps (16 bytes
/// each, ~1.4 MB a day at one keyframe a second) and its latest message. Begins at the camera's first keyframe there:
/// what precedes it cannot start a clip. Not thread-safe: the catalog locks.
/// </summary>
internal sealed class CameraTrack
{
    private readonly List<(long Offset, long TimestampMs)> _keyframes = [];

    public long LastOffset { get; private set; } = -1;

    public long LastTimestampMs { get; private set; } = long.MinValue;

    public long FirstTimestampMs => _keyframes[0].TimestampMs;

    public bool IsEmpty => _keyframes.Count == 0;

    public void AddKeyframe(long offset, long timestampMs)
    {
        if (_keyframes.Count == 0 || offset > _keyframes[^1].Offset)
        {
            _keyframes.Add((offset, timestampMs));
        }
        Add(offset, timestampMs);
    }

    public void Add(long offset, long timestampMs)
    {
        LastOffset = Math.Max(LastOffset, offset);
        LastTimestampMs = Math.Max(LastTimestampMs, timestampMs);
    }

    /// <summary>Forgets the keyframes retention deleted (offsets below <paramref name="lowWatermark"/>).</summary>
    public void Trim(long lowWatermark)
    {
        var kept = _keyframes.FindIndex(keyframe => keyframe.Offset >= lowWatermark);
        _keyframes.RemoveRange(0, kept < 0 ? _keyframes.Count : kept);
    }
}
