namespace AspirePipeline.Broker.Groups;

// JoinGroup (API 11): what a member asks and what it is answered.

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
