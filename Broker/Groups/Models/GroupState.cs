namespace AspirePipeline.Broker.Groups;

/// <summary>Classic group protocol states, named as Kafka reports them in DescribeGroups/ListGroups.</summary>
internal enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}
