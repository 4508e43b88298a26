namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>An event as <c>frames.events</c> holds it: its type, camera and capture time, at that partition and offset.</summary>
public sealed record PublishedEvent(string Type, string Camera, DateTimeOffset? CaptureTimestamp, int Partition, long Offset);
