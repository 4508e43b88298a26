namespace AspirePipeline.Broker.Groups;

// ListGroups (16), DescribeGroups (15) and DeleteGroups (42): what the admin APIs report of a group.

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
