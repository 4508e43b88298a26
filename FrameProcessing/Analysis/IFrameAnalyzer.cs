using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// One kind of analysis a consumer group runs on every frame. Called from a single processing thread, so an
/// implementation may keep per-camera state without locking.
/// </summary>
public interface IFrameAnalyzer
{
    /// <summary>Short kebab-case name written into results and telemetry, e.g. <c>mean-intensity</c>.</summary>
    string Name { get; }

    /// <summary>Analyses <paramref name="image"/> (8-bit BGR, gray or BGRA) of camera <paramref name="cameraId"/>.</summary>
    FrameAnalysis Analyze(string cameraId, Mat image);
}
