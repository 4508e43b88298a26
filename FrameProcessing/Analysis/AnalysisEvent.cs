namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// Something a frame completed, published to the events topic: <see cref="Type"/> (<c>person-appeared</c>,
/// <c>zone-entered</c>, <c>line-crossed</c>, ...) and, for events of a tracked object, its track and what it did.
/// </summary>
public sealed record AnalysisEvent(string Type)
{
    /// <summary>The track the event is about (ids count up per camera from 1 while the service runs).</summary>
    public long? TrackId { get; init; }

    /// <summary>The zone entered, left or loitered in.</summary>
    public string? Zone { get; init; }

    /// <summary>The counting line crossed.</summary>
    public string? Line { get; init; }

    /// <summary>Across the line: <c>in</c> or <c>out</c>.</summary>
    public string? Direction { get; init; }

    /// <summary>How long the track had been in the zone, or had been tracked when it left, in seconds.</summary>
    public double? DwellSeconds { get; init; }
}
