namespace AspirePipeline.Broker.Groups;

// OffsetCommit (API 8): committed positions in, an error code per partition out.

internal sealed record OffsetCommitPartition(int Partition, long Offset, int LeaderEpoch, string? Metadata);

internal sealed record OffsetCommitTopic(string Name, IReadOnlyList<OffsetCommitPartition> Partitions);

internal sealed record OffsetCommitRequestData(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<OffsetCommitTopic> Topics);

internal sealed record PartitionError(int Partition, short ErrorCode);

internal sealed record TopicPartitionErrors(string Name, IReadOnlyList<PartitionError> Partitions);
