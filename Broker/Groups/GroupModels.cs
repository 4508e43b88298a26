namespace AspirePipeline.Broker.Groups;

/// <summary>Classic group protocol states, named as Kafka reports them in DescribeGroups/ListGroups.</summary>
public enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

/// <summary>One protocol a member offers (e.g. "range" with its subscription metadata).</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>A JoinGroup request, decoded; <see cref="RequireKnownMemberId"/> is true from JoinGroup v4.</summary>
public sealed record JoinGroupRequestData(
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

public sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary>The JoinGroup answer: the leader's copy lists every member with its metadata, followers' copies list none.</summary>
public sealed record JoinGroupResult(
    short ErrorCode,
    int GenerationId,
    string? ProtocolName,
    string LeaderId,
    string MemberId,
    IReadOnlyList<JoinedMember> Members)
{
    public static JoinGroupResult Error(short errorCode, string memberId) => new(errorCode, -1, null, "", memberId, []);
}

public sealed record SyncGroupRequestData(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<(string MemberId, byte[] Assignment)> Assignments);

public sealed record SyncGroupResult(short ErrorCode, byte[] Assignment);

public sealed record MemberIdentity(string MemberId, string? GroupInstanceId);

public sealed record LeaveMemberResult(string MemberId, string? GroupInstanceId, short ErrorCode);

public sealed record LeaveGroupResult(short ErrorCode, IReadOnlyList<LeaveMemberResult> Members);

public sealed record OffsetCommitPartition(int Partition, long Offset, int LeaderEpoch, string? Metadata);

public sealed record OffsetCommitTopic(string Name, IReadOnlyList<OffsetCommitPartition> Partitions);

public sealed record OffsetCommitRequestData(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<OffsetCommitTopic> Topics);

public sealed record PartitionError(int Partition, short ErrorCode);

public sealed record TopicPartitionErrors(string Name, IReadOnlyList<PartitionError> Partitions);

public sealed record OffsetFetchTopic(string Name, IReadOnlyList<int> Partitions);

public sealed record FetchedOffset(int Partition, long Offset, int LeaderEpoch, string? Metadata, short ErrorCode);

public sealed record FetchedTopic(string Name, IReadOnlyList<FetchedOffset> Partitions);

public sealed record ListedGroup(string GroupId, string ProtocolType, GroupState State);

public sealed record DescribedMember(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    byte[] Metadata,
    byte[] Assignment);

public sealed record GroupDescription(
    short ErrorCode,
    string GroupId,
    GroupState State,
    string ProtocolType,
    string ProtocolName,
    IReadOnlyList<DescribedMember> Members);

public sealed record DeleteGroupResult(string GroupId, short ErrorCode);
