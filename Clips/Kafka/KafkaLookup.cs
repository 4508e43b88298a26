using Confluent.Kafka;

namespace AspirePipeline.Clips.Kafka;

/// <summary>Kafka requests a clip or page needs answered before it can go on: a failure is a 503 that says what to check.</summary>
internal static class KafkaLookup
{
    public static T Run<T>(Func<T> lookup, string what, string topic, TimeSpan timeout)
    {
        try
        {
            return lookup();
        }
        catch (KafkaException exception)
        {
            throw ClipException.KafkaUnavailable(
                $"Kafka did not {what} {topic} within {Instants.Describe(timeout)} (Clips:KafkaTimeout): {exception.Error.Code} "
                + $"{exception.Error.Reason}. Check that the broker runs and ConnectionStrings:kafka names it.", exception);
        }
    }

    /// <summary>The topic's partitions in order, or null when it does not exist.</summary>
    public static List<TopicPartition>? Partitions(IConsumer<string, byte[]> consumer, string topic, TimeSpan timeout)
    {
        // Shares the consumer's connections; disposed before it.
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = Run(() => admin.GetMetadata(topic, timeout), "send the metadata of", topic, timeout)
            .Topics.FirstOrDefault(t => t.Topic == topic);
        return metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0
            ? null
            : [.. metadata.Partitions.Select(partition => new TopicPartition(topic, partition.PartitionId)).OrderBy(p => p.Partition.Value)];
    }

    public static WatermarkOffsets Watermarks(IConsumer<string, byte[]> consumer, TopicPartition partition, TimeSpan timeout) =>
        Run(() => consumer.QueryWatermarkOffsets(partition, timeout), $"send the offsets of partition {partition.Partition.Value} of",
            partition.Topic, timeout);
}
