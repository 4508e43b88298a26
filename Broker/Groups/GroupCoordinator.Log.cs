using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Groups;

// EventIds 3000-3099 belong to the group coordinator.
internal sealed partial class GroupCoordinator
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Group {GroupId} preparing rebalance after generation {GenerationId}: {Reason}")]
    private partial void LogPreparingRebalance(string groupId, int generationId, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Group {GroupId} generation {GenerationId} formed: {MemberCount} members, protocol {ProtocolName}, leader {LeaderId}")]
    private partial void LogGenerationFormed(string groupId, int generationId, int memberCount, string protocolName, string leaderId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Group {GroupId} generation {GenerationId} is stable: the leader's assignments were handed out")]
    private partial void LogGroupStable(string groupId, int generationId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information,
        Message = "Group {GroupId} is empty at generation {GenerationId}")]
    private partial void LogGroupEmpty(string groupId, int generationId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information,
        Message = "Member {MemberId} joined group {GroupId} (client {ClientId} at {ClientHost})")]
    private partial void LogMemberJoined(string memberId, string groupId, string clientId, string clientHost);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Member {MemberId} left group {GroupId}")]
    private partial void LogMemberLeft(string memberId, string groupId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "Member {MemberId} of group {GroupId} expired: no heartbeat within its session timeout of {SessionTimeoutMs} ms")]
    private partial void LogMemberExpired(string memberId, string groupId, int sessionTimeoutMs);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning,
        Message = "Member {MemberId} of group {GroupId} removed: it did not rejoin within its rebalance timeout of {RebalanceTimeoutMs} ms")]
    private partial void LogMemberMissedRebalance(string memberId, string groupId, int rebalanceTimeoutMs);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Group {GroupId} deleted with its committed offsets")]
    private partial void LogGroupDeleted(string groupId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error,
        Message = "Committing the offset of group {GroupId} for {Topic}/{Partition} failed; the client will retry")]
    private partial void LogCommitFailed(Exception exception, string groupId, string topic, int partition);
}
