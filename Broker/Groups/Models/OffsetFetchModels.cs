namespace AspirePipeline.Broker.Groups;

// OffsetFetch (API 9): the partitions asked for and their committed positions.

internal sealed record OffsetFetchTopic(string Name, IReadOnlyList<int> Partitions);

internal sealed record FetchedOffset(int Partition, long Offset, int LeaderEpoch, string? Metadata, short ErrorCode);

internal sealed record FetchedTopic(string Name, IReadOnlyList<FetchedOffset> Partitions);
