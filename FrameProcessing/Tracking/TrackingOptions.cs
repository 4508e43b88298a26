using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>Settings of the tracker that follows an analysis's detections across frames, section <c>Tracking</c>.</summary>
public sealed class TrackingOptions
{
    public const string SectionName = "Tracking";

    /// <summary>Analysed frames with a detection before a track is confirmed and "appeared" is sent (1 = at once).</summary>
    [Range(1, 1000)]
    public int AppearAfterFrames { get; set; } = 2;

    /// <summary>
    /// Analysed frames in a row in which a confirmed track was looked for and not found before it ends ("left"): the
    /// detector misses people now and then (turning, overlapping), which must not end their track.
    /// </summary>
    [Range(1, 1000)]
    public int LeaveAfterFrames { get; set; } = 5;

    /// <summary>Overlap (intersection over union) a detection needs with a track's predicted box to continue it.</summary>
    [Range(0.01, 1.0)]
    public double MinOverlap { get; set; } = 0.2;

    /// <summary>
    /// Without that overlap, a detection still continues the nearest track whose predicted centre is within this many
    /// of its heights (fast objects at a low analysis rate).
    /// </summary>
    [Range(0.0, 10.0)]
    public double MaxJump { get; set; } = 0.6;

    /// <summary>Tracks kept per camera; beyond this new detections start none.</summary>
    [Range(1, 10_000)]
    public int MaxTracks { get; set; } = 256;

    /// <summary>Cameras whose tracks are kept; the least recently seen is forgotten beyond this.</summary>
    [Range(1, 4096)]
    public int MaxCameras { get; set; } = 64;
}
