using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// What the producer makes of a camera's stream, from its entry <c>Cameras:{id}</c>: whether it is recorded as sent
/// (<c>Record</c>), and the analysis stream's rate and width (<c>Analysis:Fps</c>, <c>Analysis:Width</c>; the camera's
/// own when null), which is what the frames topic, the analyses and the live views get.
/// </summary>
public sealed record CameraStreamAnnotation(bool Record, int? AnalysisFps, int? AnalysisWidth) : IResourceAnnotation;
