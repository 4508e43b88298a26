using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>Settings of <see cref="PeopleDetector"/>, section <c>PeopleDetection</c>.</summary>
public sealed class PeopleDetectorOptions
{
    public const string SectionName = "PeopleDetection";

    /// <summary>
    /// The shortest person looked for, in the frame's pixels, head to feet. HOG's window is 64x128, a person about 100
    /// px of its height, so smaller people are looked for in a picture scaled up: the cost grows with the square of
    /// 100 / this.
    /// </summary>
    [Range(16, 4096)]
    public int MinPersonHeight { get; set; } = 64;

    /// <summary>The tallest person looked for, in the frame's pixels (no taller than the frame or the moving region).</summary>
    [Range(16, 8192)]
    public int MaxPersonHeight { get; set; } = 400;

    /// <summary>
    /// Size ratio between the scales looked at, from the tallest to the shortest person (closer to 1 finds more, slower).
    /// Against the footage's labels 1.12 found as many people as 1.1 with fewer wrong, at 11 % less CPU; 1.13 and 1.15
    /// missed more (docs/benchmarks.md, People detector).
    /// </summary>
    [Range(1.01, 2.0)]
    public double PyramidScale { get; set; } = 1.12;

    /// <summary>SVM score a window needs to count as a person (0 = OpenCV's default; higher = fewer false alarms).</summary>
    [Range(-10.0, 10.0)]
    public double HitThreshold { get; set; }

    /// <summary>Step between scanned windows in pixels (a multiple of the 8 px HOG cell; larger is faster, coarser).</summary>
    [Range(8, 64)]
    public int WindowStride { get; set; } = 8;

    /// <summary>Overlapping windows (across positions and scales) a person needs before it counts (1 = any window).</summary>
    [Range(1, 100)]
    public int MinWindows { get; set; } = 2;

    /// <summary>Detections whose best window scores lower are dropped.</summary>
    [Range(0.0, 100.0)]
    public double MinScore { get; set; } = 0.3;

    /// <summary>Cameras whose motion model is kept; the least recently seen is forgotten beyond this.</summary>
    [Range(1, 4096)]
    public int MaxCameras { get; set; } = 64;

    /// <summary>The motion gate: detection only where the picture moved (<c>PeopleDetection:Motion</c>).</summary>
    public MotionGateOptions Motion { get; set; } = new();
}
