namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// The outcome of analysing one frame: <see cref="Value"/> is the headline number (logged, graphed, drawn on the live
/// view); <see cref="Values"/> holds the details, in a stable order, for the results topic.
/// </summary>
public sealed record FrameAnalysis(double Value, IReadOnlyList<KeyValuePair<string, double>> Values)
{
    /// <summary>
    /// Objects found, in the coordinates of the image given to <see cref="IFrameAnalyzer.Analyze"/>; the pipeline maps
    /// them to the frame's full size for the results and events. Null for analyses that do not locate anything.
    /// </summary>
    public IReadOnlyList<Detection>? Detections { get; init; }

    /// <summary>Event types this frame completed (e.g. <c>person-appeared</c>), published to the events topic.</summary>
    public IReadOnlyList<string> Events { get; init; } = [];
}
