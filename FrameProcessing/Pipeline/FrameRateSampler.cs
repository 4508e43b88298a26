namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// <see cref="FrameProcessingOptions.Fps"/>: at most that many frames a second of each camera are analysed, evenly
/// spaced by capture time (not by arrival, so a replay or a backlog is sampled as the camera recorded it). A frame is
/// taken when its capture time reaches the camera's next due time, which then moves on by one interval from the due
/// time, not from the frame, so the rate holds on average whatever the camera's own frame spacing. Used from the
/// single processing loop only.
/// </summary>
internal sealed class FrameRateSampler
{
    private const int MaxCameras = 1024;

    // A camera whose clock went back this far (a restarted producer, a replay from an earlier point) starts afresh.
    private static readonly long RestartBelowTicks = TimeSpan.FromSeconds(10).Ticks;

    private readonly long _intervalTicks;
    private readonly Dictionary<string, long> _nextDueTicks = new(StringComparer.Ordinal);

    public FrameRateSampler(double fps) =>
        _intervalTicks = fps > 0 ? (long)Math.Round(TimeSpan.TicksPerSecond / fps) : 0;

    /// <summary>False when every frame is analysed (no rate set).</summary>
    public bool Enabled => _intervalTicks > 0;

    /// <summary>True when the frame of <paramref name="cameraId"/> captured at <paramref name="capturedAt"/> is to be analysed.</summary>
    public bool Take(string cameraId, DateTimeOffset capturedAt)
    {
        if (_intervalTicks == 0)
        {
            return true;
        }

        var at = capturedAt.UtcTicks;
        if (_nextDueTicks.Count >= MaxCameras && !_nextDueTicks.ContainsKey(cameraId))
        {
            // Cameras are few; a flood of ids means garbage keys, so start over rather than grow.
            _nextDueTicks.Clear();
        }

        if (!_nextDueTicks.TryGetValue(cameraId, out var due) || at >= due + _intervalTicks || due - at > RestartBelowTicks)
        {
            // The first frame, one after a pause longer than an interval, or a clock that went back: due again one
            // interval from this frame.
            _nextDueTicks[cameraId] = at + _intervalTicks;
            return true;
        }

        // A tenth of an interval early still counts: a camera's own frame times jitter by a few milliseconds, which
        // must not drop every other frame when the rate equals the camera's.
        if (at < due - _intervalTicks / 10)
        {
            return false;
        }

        _nextDueTicks[cameraId] = due + _intervalTicks;
        return true;
    }
}
