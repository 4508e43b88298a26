namespace AspirePipeline.Clips.Events;

/// <summary>An event where it is on the events topic.</summary>
/// <param name="Partition">Its partition.</param>
/// <param name="Offset">Its offset.</param>
/// <param name="Camera">Its camera (the record's, else the key).</param>
/// <param name="Time">Its frame's capture time; the message timestamp when the record has none.</param>
/// <param name="Event">The record.</param>
internal sealed record PositionedEvent(int Partition, long Offset, string Camera, DateTimeOffset Time, FrameEvent Event)
{
    /// <summary>Where its clip is served.</summary>
    public string ClipPath => $"/events/{Partition}/{Offset}/clip";
}
