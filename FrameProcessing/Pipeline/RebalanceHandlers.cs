using Confluent.Kafka;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// The consumer's rebalance callbacks must be set on the builder, before the consumer (a DI singleton) exists, while
/// the logic lives in <see cref="FrameConsumerService"/>: this object sits between the two.
/// </summary>
internal sealed class RebalanceHandlers
{
    public IRebalanceListener? Listener { get; set; }

    public void Configure<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder) => builder
        .SetPartitionsAssignedHandler((_, partitions) => Listener?.OnAssigned(partitions)
            ?? partitions.Select(partition => new TopicPartitionOffset(partition, Offset.Unset)))
        .SetPartitionsRevokedHandler((_, partitions) => Listener?.OnRevoked(partitions))
        .SetPartitionsLostHandler((_, partitions) => Listener?.OnLost(partitions));
}

/// <summary>Called on the consume thread, inside <c>Consume</c>.</summary>
internal interface IRebalanceListener
{
    /// <summary>Where to start each newly assigned partition (<see cref="Offset.Unset"/>: the committed offset).</summary>
    IEnumerable<TopicPartitionOffset> OnAssigned(IReadOnlyList<TopicPartition> partitions);

    void OnRevoked(IReadOnlyList<TopicPartitionOffset> partitions);

    void OnLost(IReadOnlyList<TopicPartitionOffset> partitions);
}
