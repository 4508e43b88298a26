using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>Settings of <see cref="PeopleDetector"/>, section <c>PeopleDetection</c>.</summary>
public sealed class PeopleDetectorOptions
{
    public const string SectionName = "PeopleDetection";

    /// <summary>
    /// Frames are shrunk to this width before detection (0 keeps full size). The HOG detector's window is 64x128, so a
    /// person must stay at least ~128 px tall at this width to be found; the cost grows with the square of the width.
    /// </summary>
    [Range(0, 16384)]
    public int WorkingWidth { get; set; } = 640;

    /// <summary>SVM score a window needs to count as a person (0 = OpenCV's default; higher = fewer false alarms).</summary>
    [Range(-10.0, 10.0)]
    public double HitThreshold { get; set; }

    /// <summary>Step between scanned windows in pixels (a multiple of the 8 px HOG cell; larger is faster, coarser).</summary>
    [Range(8, 64)]
    public int WindowStride { get; set; } = 8;

    /// <summary>Size ratio between the image pyramid's levels (closer to 1 finds more sizes, slower).</summary>
    [Range(1.01, 2.0)]
    public double PyramidScale { get; set; } = 1.05;

    /// <summary>Detections with a lower score are dropped after grouping.</summary>
    [Range(0.0, 100.0)]
    public double MinScore { get; set; } = 0.3;

    /// <summary>Consecutive analysed frames with a person before "person appeared" is sent (1 = at once).</summary>
    [Range(1, 1000)]
    public int AppearAfterFrames { get; set; } = 2;

    /// <summary>
    /// Consecutive analysed frames without a person before "person left" is sent: one missed detection must not flap
    /// the state (HOG misses people now and then, e.g. when they turn or overlap).
    /// </summary>
    [Range(1, 1000)]
    public int LeaveAfterFrames { get; set; } = 5;

    /// <summary>Cameras whose presence state is kept; the least recently seen is forgotten beyond this.</summary>
    [Range(1, 4096)]
    public int MaxCameras { get; set; } = 64;
}
