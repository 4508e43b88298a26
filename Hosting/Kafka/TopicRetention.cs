namespace AspirePipeline.Hosting.Kafka;

/// <summary>
/// Kafka's delete retention for one topic: segments older than <see cref="Time"/> (<c>retention.ms</c>) or beyond
/// <see cref="BytesPerPartition"/> (<c>retention.bytes</c>, per partition) are deleted. Null leaves that bound off.
/// </summary>
public sealed record TopicRetention(TimeSpan? Time, long? BytesPerPartition)
{
    private const long MinSegmentBytes = 1024 * 1024;
    private const long MaxSegmentBytes = 1024L * 1024 * 1024;

    /// <summary>The segment size that lets the size bound act in steps of an eighth (1 MiB to 1 GiB).</summary>
    public long? SegmentBytes => BytesPerPartition is { } bytes ? Math.Clamp(bytes / 8, MinSegmentBytes, MaxSegmentBytes) : null;

    /// <summary>How often a segment is closed so the time bound acts in steps of an eighth (at least a minute).</summary>
    public TimeSpan? SegmentTime => Time is { } time ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMinute, time.Ticks / 8)) : null;
}
