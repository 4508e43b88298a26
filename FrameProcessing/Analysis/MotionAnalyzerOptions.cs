using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>Settings of <see cref="MotionAnalyzer"/>, section <c>Motion</c>.</summary>
public sealed class MotionAnalyzerOptions
{
    public const string SectionName = "Motion";

    /// <summary>Gray-level difference (0-255) above which a pixel counts as changed; below it is sensor/JPEG noise.</summary>
    [Range(1, 254)]
    public int PixelThreshold { get; set; } = 25;

    /// <summary>
    /// Frames are shrunk to this width before differencing (0 keeps full size): motion is a coarse signal and a 720p
    /// absdiff per frame would cost more than decoding.
    /// </summary>
    [Range(0, 16384)]
    public int AnalysisWidth { get; set; } = 320;

    /// <summary>Cameras whose previous frame is kept; the least recently seen is forgotten beyond this.</summary>
    [Range(1, 4096)]
    public int MaxCameras { get; set; } = 64;

    /// <summary>
    /// Also locate what moves: each moving blob's box becomes a detection, tracked by the pipeline as <c>object</c>
    /// (<c>object-appeared</c>/<c>object-left</c>, and the zone and line events of the camera's scene). Off: the motion
    /// score only, and no tracking.
    /// </summary>
    public bool Objects { get; set; }

    /// <summary>
    /// With <see cref="Objects"/>: frames the per-camera background model remembers; an object standing still about
    /// this long becomes background (and leaves).
    /// </summary>
    [Range(2, 10_000)]
    public int ObjectHistory { get; set; } = 200;

    /// <summary>
    /// With <see cref="Objects"/>: how far a pixel must be from the background to be moving, as a squared distance in
    /// the model's own variance (OpenCV MOG2's <c>varThreshold</c>; 25 is 5 standard deviations of that pixel's noise).
    /// </summary>
    [Range(1.0, 1000.0)]
    public double ObjectThreshold { get; set; } = 25;

    /// <summary>With <see cref="Objects"/>: moving blobs smaller than this fraction of the picture are noise, not objects.</summary>
    [Range(0.0, 1.0)]
    public double ObjectMinArea { get; set; } = 0.0005;

    /// <summary>
    /// With <see cref="Objects"/>: moving parts less than this fraction of the picture's width apart are one object
    /// (a morphological closing joins them), so a person whose middle matches the background stays one blob.
    /// </summary>
    [Range(0.0, 0.5)]
    public double ObjectJoin { get; set; } = 0.015;
}
