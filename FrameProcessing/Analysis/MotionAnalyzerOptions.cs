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
}
