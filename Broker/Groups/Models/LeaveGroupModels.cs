namespace AspirePipeline.Broker.Groups;

// LeaveGroup (API 13): members leaving, by id or by static instance id, with one result each.

internal sealed record MemberIdentity(string MemberId, string? GroupInstanceId);

internal sealed record LeaveMemberResult(string MemberId, string? GroupInstanceId, short ErrorCode);

internal sealed record LeaveGroupResult(short ErrorCode, IReadOnlyList<LeaveMemberResult> Members);
