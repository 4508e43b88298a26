namespace AspirePipeline.Clips.Kafka;

/// <summary>
/// The access units a clip is made of: from the last keyframe at or before <c>from</c> (or, when there is none, the
/// first after it) to the last unit at or before <c>to</c>, in capture order.
/// </summary>
/// <param name="Units">The units, starting with a keyframe.</param>
/// <param name="StartsAfterFrom">No keyframe at or before <c>from</c> was read: the clip starts later than asked.</param>
internal sealed record ClipSelection(IReadOnlyList<SpooledUnit> Units, bool StartsAfterFrom)
{
    public DateTimeOffset FirstCapture => Units[0].CaptureTime;

    public DateTimeOffset LastCapture => Units[^1].CaptureTime;

    /// <summary>The selection of <paramref name="units"/> (each at or before <paramref name="to"/>), or null when none is a keyframe.</summary>
    public static ClipSelection? Choose(IEnumerable<SpooledUnit> units, DateTimeOffset from, DateTimeOffset to)
    {
        // Capture order; a camera writes to one partition, where that is offset order (the sort is stable).
        var ordered = units.OrderBy(unit => unit.TimestampMs).ThenBy(unit => unit.Partition).ThenBy(unit => unit.Offset).ToList();
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var start = ordered.FindLastIndex(unit => unit.Keyframe && unit.TimestampMs <= fromMs);
        var late = start < 0;
        if (late)
        {
            start = ordered.FindIndex(unit => unit.Keyframe && unit.TimestampMs <= toMs);
            if (start < 0)
            {
                return null;
            }
        }
        var end = ordered.FindLastIndex(unit => unit.TimestampMs <= toMs);
        return new ClipSelection(ordered[start..(end + 1)], late);
    }
}
