using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>A topic the resource creates once the broker answers, before dependents are released.</summary>
public sealed class KafkaTopicAnnotation(string name, int partitions, int? maxMessageBytes, TopicRetention? retention = null) : IResourceAnnotation
{
    public string Name { get; } = name;

    public int Partitions { get; } = partitions;

    /// <summary>Per-topic <c>max.message.bytes</c>; null keeps the broker's default.</summary>
    public int? MaxMessageBytes { get; } = maxMessageBytes;

    /// <summary>How long and how much the topic keeps; null keeps the broker's defaults.</summary>
    public TopicRetention? Retention { get; } = retention;

    /// <summary>
    /// The topic configuration it is created with, in Kafka's names: the same in every mode (the AppHost's CreateTopics,
    /// the published compose healthcheck's <c>kafka-topics.sh --create --config</c>).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Configs
    {
        get
        {
            var configs = new List<KeyValuePair<string, string>>();
            if (MaxMessageBytes is { } max)
            {
                configs.Add(new("max.message.bytes", max.ToString(CultureInfo.InvariantCulture)));
            }
            if (Retention?.Time is { } time)
            {
                configs.Add(new("retention.ms", ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
            }
            if (Retention?.BytesPerPartition is { } bytes)
            {
                configs.Add(new("retention.bytes", bytes.ToString(CultureInfo.InvariantCulture)));
            }
            // Retention deletes whole closed segments, and Kafka's segments default to 1 GiB and 7 days: at those sizes a
            // 1-hour, 1-GiB bound would hold up to twice its size for days. An eighth of each bound keeps it tight.
            if (Retention?.SegmentBytes is { } segmentBytes)
            {
                configs.Add(new("segment.bytes", segmentBytes.ToString(CultureInfo.InvariantCulture)));
            }
            if (Retention?.SegmentTime is { } segmentTime)
            {
                configs.Add(new("segment.ms", ((long)segmentTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
            }
            return configs;
        }
    }
}
