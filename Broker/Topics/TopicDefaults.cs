namespace AspirePipeline.Broker.Topics;

/// <summary>
/// The broker-wide values a topic uses for every config it does not set (Kafka's log.retention.ms, log.segment.bytes,
/// message.max.bytes, ...), and whether each came from the broker's own settings or is the built-in default.
/// </summary>
internal sealed record TopicDefaults(
    long? BrokerRetentionMs,
    long? BrokerRetentionBytes,
    int SegmentBytes,
    int MaxMessageBytes)
{
    public long RetentionMs(TopicConfig config) => config.RetentionMsOverride ?? BrokerRetentionMs ?? -1;

    public long RetentionBytes(TopicConfig config) => config.RetentionBytesOverride ?? BrokerRetentionBytes ?? -1;

    public int SegmentBytesOf(TopicConfig config) => config.SegmentBytesOverride ?? SegmentBytes;

    public long SegmentMs(TopicConfig config) => config.SegmentMsOverride ?? TopicConfig.DefaultSegmentMs;

    public int MaxMessageBytesOf(TopicConfig config) => config.MaxMessageBytesOverride ?? MaxMessageBytes;
}
