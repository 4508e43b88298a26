using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.Broker.Groups;

/// <summary>Consumer group coordinator settings (configuration section <c>Broker:Groups</c>).</summary>
internal sealed class GroupCoordinatorOptions
{
    public const string SectionName = "Broker:Groups";

    /// <summary>
    /// How long a new (empty) group's first rebalance waits for more members (Kafka's
    /// group.initial.rebalance.delay.ms, 3 s there). Short by default so a pipeline starts fast; each member that
    /// joins during the wait extends it, up to the rebalance timeout.
    /// </summary>
    [Range(0, 60_000)]
    public int InitialRebalanceDelayMs { get; set; } = 100;

    /// <summary>Smallest session.timeout.ms a member may ask for (Kafka: 6000; lower here so tests can use short sessions).</summary>
    [Range(1, int.MaxValue)]
    public int MinSessionTimeoutMs { get; set; } = 1_000;

    /// <summary>Largest session.timeout.ms a member may ask for (Kafka: 1800000).</summary>
    [Range(1, int.MaxValue)]
    public int MaxSessionTimeoutMs { get; set; } = 1_800_000;

    /// <summary>Longest committed-offset metadata string accepted (Kafka's offset.metadata.max.bytes).</summary>
    [Range(0, int.MaxValue)]
    public int MaxOffsetMetadataBytes { get; set; } = 4_096;
}
