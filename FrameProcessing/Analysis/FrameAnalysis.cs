namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// The outcome of analysing one frame: <see cref="Value"/> is the headline number (logged, graphed, drawn on the live
/// view); <see cref="Values"/> holds the details, in a stable order, for the results topic.
/// </summary>
public sealed record FrameAnalysis(double Value, IReadOnlyList<KeyValuePair<string, double>> Values);
