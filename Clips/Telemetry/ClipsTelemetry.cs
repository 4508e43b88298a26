using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AspirePipeline.Clips.Telemetry;

/// <summary>The clips service's ActivitySource and Meter (<see cref="ComponentName"/>; ServiceDefaults exports <c>AspirePipeline.*</c>).</summary>
internal sealed class ClipsTelemetry
{
    public const string ComponentName = "AspirePipeline.Clips";

    public const string ClipsServed = "clips.served";
    public const string ClipBytes = "clips.bytes";
    public const string ClipDuration = "clips.duration";
    public const string MakingDuration = "clips.making.duration";

    /// <summary>How a clip request ended: one of the <c>Outcome*</c> values.</summary>
    public const string OutcomeTag = "clips.outcome";

    public const string OutcomeServed = "served";
    public const string OutcomeNotFound = "not-found";
    public const string OutcomeOutOfRange = "out-of-range";
    public const string OutcomeBadRequest = "bad-request";
    public const string OutcomeUnavailable = "unavailable";
    public const string OutcomeFailed = "failed";
    public const string OutcomeCancelled = "cancelled";

    public const string CameraTag = "camera.id";

    public static readonly ActivitySource ActivitySource = new(ComponentName);

    private readonly Counter<long> _served;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _making;

    public ClipsTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(ComponentName);
        _served = meter.CreateCounter<long>(ClipsServed, "{clip}", "Clip requests answered, by outcome (served, not-found, out-of-range, ...).");
        _bytes = meter.CreateCounter<long>(ClipBytes, "By", "MP4 bytes of the clips served.");
        _duration = meter.CreateHistogram<double>(ClipDuration, "s", "Video length of the clips served (first to last frame's capture time).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 15, 30, 60, 120, 300, 600] });
        _making = meter.CreateHistogram<double>(MakingDuration, "s",
            "Time from request to a clip ready to send: reading frames.video (with any wait for the recording) and remuxing.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60] });
    }

    public void RecordServed(long bytes, TimeSpan videoLength, TimeSpan making)
    {
        var outcome = new KeyValuePair<string, object?>(OutcomeTag, OutcomeServed);
        _served.Add(1, outcome);
        _bytes.Add(bytes);
        _duration.Record(videoLength.TotalSeconds);
        _making.Record(making.TotalSeconds, outcome);
    }

    public void RecordRefused(string outcome, TimeSpan making)
    {
        var tag = new KeyValuePair<string, object?>(OutcomeTag, outcome);
        _served.Add(1, tag);
        _making.Record(making.TotalSeconds, tag);
    }
}
