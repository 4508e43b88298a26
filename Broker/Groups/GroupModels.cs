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

/// <summary>One protocol a member offers (e.g. "range" with its subscription metadata).</summary>
internal sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>A JoinGroup request, decoded; <see cref="RequireKnownMemberId"/> is true from JoinGroup v4.</summary>
internal sealed record JoinGroupRequestData(
    string GroupId,
    int SessionTimeoutMs,
    int RebalanceTimeoutMs,
    string MemberId,
    string? GroupInstanceId,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols,
    bool RequireKnownMemberId,
    string ClientId,
    string ClientHost);

internal sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary>The JoinGroup answer: the leader's copy lists every member with its metadata, followers' copies list none.</summary>
internal sealed record JoinGroupResult(
    short ErrorCode,
    int GenerationId,
    string? ProtocolName,
    string LeaderId,
    string MemberId,
    IReadOnlyList<JoinedMember> Members)
{
    public static JoinGroupResult Error(short errorCode, string memberId) => new(errorCode, -1, null, "", memberId, []);
}

internal sealed record SyncGroupRequestData(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<(string MemberId, byte[] Assignment)> Assignments);

internal sealed record SyncGroupResult(short ErrorCode, byte[] Assignment);

internal sealed record MemberIdentity(string MemberId, string? GroupInstanceId);

internal sealed record LeaveMemberResult(string MemberId, string? GroupInstanceId, short ErrorCode);

internal sealed record LeaveGroupResult(short ErrorCode, IReadOnlyList<LeaveMemberResult> Members);

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

internal sealed record OffsetFetchTopic(string Name, IReadOnlyList<int> Partitions);

internal sealed record FetchedOffset(int Partition, long Offset, int LeaderEpoch, string? Metadata, short ErrorCode);

internal sealed record FetchedTopic(string Name, IReadOnlyList<FetchedOffset> Partitions);

internal sealed record ListedGroup(string GroupId, string ProtocolType, GroupState State);

internal sealed record DescribedMember(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    byte[] Metadata,
    byte[] Assignment);

internal sealed record GroupDescription(
    short ErrorCode,
    string GroupId,
    GroupState State,
    string ProtocolType,
    string ProtocolName,
    IReadOnlyList<DescribedMember> Members);

internal sealed record DeleteGroupResult(string GroupId, short ErrorCode);
