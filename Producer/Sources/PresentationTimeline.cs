using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AspirePipeline.Frames;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// Capture times from the stream's own presentation timestamps, which ffmpeg's <c>showinfo</c> filter prints for each
/// frame, instead of the moment the producer read the frame off the pipe. When ffmpeg or the producer falls behind
/// (a loaded machine), frames leave the pipe in bursts: stamped on arrival, five frames a sixth of a second apart
/// carried one time, and a tracker saw an object stand still, then jump (its track broke in two).
/// </summary>
/// <remarks>
/// A frame's wall-clock time is its timestamp plus an offset: the smallest (arrival - timestamp) seen, i.e. the frame
/// that came the soonest after it was shown. So no frame is stamped later than it arrived, and a burst keeps its
/// spacing. The offset may rise by <see cref="MaxDriftPerSecond"/> (a camera clock slower than this machine's), and
/// it starts again when a frame would be stamped more than <see cref="MaxLateness"/> before its arrival (the stream's
/// timestamps jumped back). A frame whose timestamp did not come (no <c>showinfo</c> line, "NOPTS") is stamped on arrival.
/// </remarks>
internal sealed partial class PresentationTimeline
{
    /// <summary>The filter that prints the timestamps; last in the chain, so it numbers the frames ffmpeg writes out.</summary>
    public const string Filter = "showinfo=checksum=0";

    /// <summary>Lines of the filter's, which say nothing about a failure.</summary>
    public const string LinePrefix = "[Parsed_showinfo_";

    // Camera clocks drift from the host's by tens of parts per million; this lets the offset follow 1 ms a second.
    internal const double MaxDriftPerSecond = 0.001;
    internal static readonly TimeSpan MaxLateness = TimeSpan.FromSeconds(5);

    // ffmpeg prints a frame's line before it encodes and writes the frame, so the line is in the stderr pipe by the
    // time the frame can be read; only the reading of stderr can lag (its thread not yet scheduled on a loaded
    // machine: on a CI run one frame in a test waited 100 ms in vain), by far less than this.
    private static readonly TimeSpan LineWait = TimeSpan.FromSeconds(1);

    private readonly Queue<(long Frame, double Seconds)> _reported = new();
    // An object, not a Lock: the reader waits on it (Monitor.Wait) for the line of the frame it holds.
    private readonly object _lock = new();
    private long? _offsetMicros;
    private long _offsetSetAtMicros;
    private bool _silent;

    /// <summary>Frames whose timestamp has been reported (read from ffmpeg's stderr).</summary>
    public long Reported { get; private set; }

    /// <summary>Frames stamped on arrival for want of a timestamp.</summary>
    public long StampedOnArrival { get; private set; }

    /// <summary>Takes one line of ffmpeg's stderr; true when it was the filter's (a frame's timestamp or its details).</summary>
    public bool TryTake(string line)
    {
        if (!line.StartsWith(LinePrefix, StringComparison.Ordinal))
        {
            return false;
        }
        if (FrameLine().Match(line) is { Success: true } match)
        {
            var frame = long.Parse(match.Groups["n"].ValueSpan, CultureInfo.InvariantCulture);
            // "NOPTS" (a stream without timestamps) parses as nothing: the frame is stamped on arrival, without waiting.
            var seconds = double.TryParse(match.Groups["time"].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                ? parsed : double.NaN;
            lock (_lock)
            {
                _reported.Enqueue((frame, seconds));
                Reported++;
                Monitor.PulseAll(_lock);
            }
        }
        return true;
    }

    /// <summary>The capture time of the <paramref name="frame"/>-th frame out of ffmpeg (from 0), which arrived now.</summary>
    public CaptureStamp Stamp(long frame) => Stamp(frame, CaptureStamp.Now(), LineWait);

    internal CaptureStamp Stamp(long frame, CaptureStamp arrival, TimeSpan wait)
    {
        var seconds = double.NaN;
        lock (_lock)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
            while (!_silent)
            {
                while (_reported.TryPeek(out var next) && next.Frame < frame)
                {
                    _reported.Dequeue();
                }
                if (_reported.TryPeek(out var found) && found.Frame == frame)
                {
                    seconds = _reported.Dequeue().Seconds;
                    break;
                }
                if (_reported.Count > 0)
                {
                    // Already past this frame: its line never came.
                    break;
                }
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    // No line at all for the first frame: this ffmpeg prints none, and no later frame waits for one.
                    _silent = Reported == 0;
                    break;
                }
                Monitor.Wait(_lock, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
            if (double.IsNaN(seconds))
            {
                StampedOnArrival++;
                return arrival;
            }
            return Place((long)Math.Round(seconds * 1_000_000), arrival);
        }
    }

    private CaptureStamp Place(long presentedMicros, CaptureStamp arrival)
    {
        var offset = arrival.UnixMicros - presentedMicros;
        if (_offsetMicros is { } current)
        {
            var risen = current + (long)((arrival.UnixMicros - _offsetSetAtMicros) * MaxDriftPerSecond);
            var restart = offset - risen > MaxLateness.Ticks / TimeSpan.TicksPerMicrosecond;
            _offsetMicros = restart ? offset : Math.Min(risen, offset);
        }
        else
        {
            _offsetMicros = offset;
        }
        _offsetSetAtMicros = arrival.UnixMicros;
        var captured = presentedMicros + _offsetMicros.Value;
        return arrival.EarlierBy(arrival.UnixMicros - captured) with { TimedByStream = true };
    }

    // e.g. "[Parsed_showinfo_2 @ 0x5621...] n:   1 pts: 132000 pts_time:1.46667 pos: -1 fmt:yuv420p ..."
    [GeneratedRegex(@"^\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*(?<n>\d+) pts:\s*\S+ pts_time:(?<time>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex FrameLine();
}

/// <summary>
/// When a frame was captured: wall clock for the header, and the monotonic clock for latency; <see cref="TimedByStream"/>
/// when placed by the stream's presentation time, not stamped on arrival.
/// </summary>
internal readonly record struct CaptureStamp(long UnixMicros, long Ticks, bool TimedByStream = false)
{
    public static CaptureStamp Now() => new(FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow), Stopwatch.GetTimestamp());

    public CaptureStamp EarlierBy(long micros) =>
        new(UnixMicros - micros, Ticks - (long)(micros * (Stopwatch.Frequency / 1_000_000.0)), TimedByStream);
}
