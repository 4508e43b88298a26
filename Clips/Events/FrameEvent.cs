namespace AspirePipeline.Clips.Events;

/// <summary>
/// The fields of an events record (FrameProcessing's <c>FrameEventRecord</c>, camelCase JSON) this service reads; a
/// read model of its own, so Clips does not reference FrameProcessing and, through it, OpenCV.
/// </summary>
/// <param name="Type">What happened, e.g. <see cref="PersonAppeared"/>.</param>
/// <param name="Camera">The camera id (also the key).</param>
/// <param name="Group">The consumer group that saw it.</param>
/// <param name="Analyzer">The analysis that saw it.</param>
/// <param name="CaptureTimestamp">When the frame it was seen in was captured.</param>
internal sealed record FrameEvent(string? Type, string? Camera, string? Group, string? Analyzer, DateTimeOffset? CaptureTimestamp)
{
    /// <summary>The people detector's event (FrameProcessing's <c>PeopleDetector.PersonAppeared</c>; a test keeps them equal).</summary>
    public const string PersonAppeared = "person-appeared";
}
