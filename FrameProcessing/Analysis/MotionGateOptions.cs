using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// Settings of the people detector's motion gate, section <c>PeopleDetection:Motion</c>: the detector runs only on
/// the regions of a frame that moved, found by background subtraction on a small gray copy.
/// </summary>
public sealed class MotionGateOptions
{
    /// <summary>Gate the detector by motion; false scans every frame whole.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Width of the gray copy motion is worked out on (the cost grows with its square).</summary>
    [Range(32, 1920)]
    public int Width { get; set; } = 192;

    /// <summary>Frames the background model remembers: a person standing still this long fades into the background.</summary>
    [Range(2, 10_000)]
    public int History { get; set; } = 200;

    /// <summary>How far (squared distance, in the model's variance) a pixel must differ from the background to be moving.</summary>
    [Range(1.0, 1000.0)]
    public double Threshold { get; set; } = 25;

    /// <summary>A moving area smaller than this fraction of the frame is noise (leaves, compression), not a region.</summary>
    [Range(0.0, 1.0)]
    public double MinArea { get; set; } = 0.0005;

    /// <summary>Margin added around a moving area, as a fraction of its height: the detector needs a person whole.</summary>
    [Range(0.0, 4.0)]
    public double Padding { get; set; } = 0.3;

    /// <summary>When the regions cover more than this fraction of the frame, it is scanned whole (cheaper than the pieces).</summary>
    [Range(0.0, 1.0)]
    public double MaxCoverage { get; set; } = 0.6;
}
