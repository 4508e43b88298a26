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

    /// <summary>
    /// The parts of the image the analysis looked at, when it did not look at all of it (a motion-gated detector): a
    /// tracked object outside them is not counted as missed. Null for the whole image; empty when nothing was looked at.
    /// </summary>
    public IReadOnlyList<Detection>? ScannedRegions { get; init; }

    /// <summary>What this frame completed (e.g. <c>person-appeared</c>), published to the events topic.</summary>
    public IReadOnlyList<AnalysisEvent> Events { get; init; } = [];

    /// <summary>Tracks, zone occupancy and line counts, for analyses whose detections are tracked; else null.</summary>
    public SceneState? Scene { get; init; }
}
