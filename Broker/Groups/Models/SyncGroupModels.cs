namespace AspirePipeline.Broker.Groups;

// SyncGroup (API 14): the leader's assignments in, each member's own out.

internal sealed record SyncGroupRequestData(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<(string MemberId, byte[] Assignment)> Assignments);

internal sealed record SyncGroupResult(short ErrorCode, byte[] Assignment);
