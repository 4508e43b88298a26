using AspirePipeline.Frames;
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

    /// <summary>
    /// How much of a frame this analysis looks at. JPEG frames are decoded no further than that (1/8 of the size
    /// costs a fraction of a full decode), unless the live view is watched or
    /// <see cref="FrameProcessingOptions.AlwaysDecodeFullFrames"/> is set, so <see cref="Analyze"/> must accept any size.
    /// </summary>
    DecodeTarget DecodeTarget => DecodeTarget.Full;

    /// <summary>
    /// What the <see cref="FrameAnalysis.Detections"/> are (<c>person</c>), when they are to be tracked across frames:
    /// the pipeline then gives them track ids and raises <c>{kind}-appeared</c> / <c>{kind}-left</c> per track and the
    /// zone and line events of the camera's scene. Null for analyses that locate nothing.
    /// </summary>
    string? TrackedKind => null;

    /// <summary>
    /// Analyses <paramref name="image"/> (8-bit BGR, gray or BGRA, at the frame's size or reduced as
    /// <see cref="DecodeTarget"/> allows) of camera <paramref name="cameraId"/>.
    /// </summary>
    FrameAnalysis Analyze(string cameraId, Mat image);
}
