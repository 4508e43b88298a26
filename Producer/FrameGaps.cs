namespace AspirePipeline.Producer;

/// <summary>
/// Frames a camera's stream never delivered, told from its capture times: the frame interval is the median of the
/// last <see cref="IntervalWindow"/> spacings; a spacing of more than <see cref="GapFactor"/> intervals within one
/// connection is a <see cref="MissReasons.StreamGap"/> of (spacing / interval - 1) frames, and the time from the last
/// frame before a reconnect to the first after it is <see cref="MissReasons.StreamLost"/> the same way.
/// </summary>
/// <remarks>
/// Spacings within a connection count only between frames timed by the stream's own presentation times
/// (<see cref="Sources.PresentationTimeline"/>): frames stamped on arrival leave a pipe in bursts, a long spacing and
/// then short ones, which is not a gap. A camera read with an <c>Fps</c> limit has ffmpeg's <c>fps</c> filter fill
/// gaps with repeated frames, so only its reconnects show here.
/// </remarks>
internal sealed class FrameGaps
{
    internal const int IntervalWindow = 15;
    internal const double GapFactor = 1.5;
    // A few spacings before an interval is trusted: the first frames of a stream come as ffmpeg's probing lets them.
    private const int TrustedAfter = 5;

    private readonly Queue<(long Spacing, bool TimedByStream)> _spacings = new();
    private long? _lastMicros;
    private bool _lastTimedByStream;
    private bool _reconnected;

    /// <summary>A new connection to the camera begins: its first frame's spacing is the time the stream was down.</summary>
    public void OnReconnected() => _reconnected = _lastMicros is not null;

    /// <summary>The frames missing before this one (0 for none), and why.</summary>
    public (int Missing, string Reason) OnFrame(long captureMicros, bool timedByStream)
    {
        var last = _lastMicros;
        var timedPair = timedByStream && _lastTimedByStream;
        var reconnected = _reconnected;
        _lastMicros = captureMicros;
        _lastTimedByStream = timedByStream;
        _reconnected = false;
        if (last is null)
        {
            return (0, MissReasons.StreamGap);
        }
        var spacing = captureMicros - last.Value;
        if (reconnected)
        {
            return (MissingIn(spacing, Interval(timedOnly: false)), MissReasons.StreamLost);
        }
        var missing = timedPair ? MissingIn(spacing, Interval(timedOnly: true)) : 0;
        // Gaps included: the median of the spacings between timed frames stays the interval unless most are gaps.
        _spacings.Enqueue((spacing, timedPair));
        if (_spacings.Count > IntervalWindow)
        {
            _spacings.Dequeue();
        }
        return (missing, MissReasons.StreamGap);
    }

    private static int MissingIn(long spacing, long? interval) => interval is { } known && spacing > known * GapFactor
        ? (int)Math.Round((double)spacing / known) - 1
        : 0;

    /// <summary>
    /// The median spacing between frames timed by the stream, once there are enough of them; else (not
    /// <paramref name="timedOnly"/>) the mean spacing: between frames stamped on arrival spacings are bursty (many near
    /// 0, then a long one), and their mean is the interval, not their median.
    /// </summary>
    private long? Interval(bool timedOnly)
    {
        var timed = _spacings.Where(pair => pair.TimedByStream).Select(pair => pair.Spacing).Order().ToList();
        if (timed.Count >= TrustedAfter)
        {
            return timed[timed.Count / 2];
        }
        return timedOnly || _spacings.Count < TrustedAfter || _spacings.Average(pair => pair.Spacing) is not (var mean and >= 1)
            ? null
            : (long)mean;
    }
}

/// <summary>Why frames were missed (never captured), as metric tag values.</summary>
internal static class MissReasons
{
    /// <summary>The camera's stream skipped frames while connected (its presentation times jumped).</summary>
    public const string StreamGap = "stream-gap";

    /// <summary>The frames the camera would have sent while its stream was lost, until it was reopened.</summary>
    public const string StreamLost = "stream-lost";
}
