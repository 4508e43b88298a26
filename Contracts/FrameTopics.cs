namespace AspirePipeline.Contracts;

/// <summary>Kafka topic names of the pipeline, shared so producer, consumers and the AppHost cannot drift apart.</summary>
public static class FrameTopics
{
    /// <summary>Encoded camera frames, keyed by camera id.</summary>
    public const string Frames = "frames";

    /// <summary>One JSON record per analysed frame, written by each consumer group.</summary>
    public const string Analysis = "frames.analysis";

    /// <summary>Messages the consumers could not decode, with the reason in a header.</summary>
    public const string DeadLetter = "frames.dlq";

    /// <summary>Events an analysis derives from a run of frames (e.g. "person appeared"), JSON, keyed by camera id.</summary>
    public const string Events = "frames.events";

    /// <summary>
    /// Each recorded camera's own compressed video, as it sent it: one access unit per message in MPEG-TS packets,
    /// keyed by camera id (the headers: <c>Recording/VideoHeaders</c>).
    /// </summary>
    public const string Video = "frames.video";
}
