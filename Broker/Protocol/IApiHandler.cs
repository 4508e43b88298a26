using System.Net;

namespace AspirePipeline.Broker.Protocol;

/// <summary>
/// One Kafka API (one key, a range of non-flexible versions). The server parses the request header, hands the body
/// to the handler and frames what the handler writes as the response body behind the v0 response header.
/// Requests on one connection are handled one at a time, in order, as Kafka does; a handler may wait (JoinGroup,
/// Fetch long-poll) and that connection's later requests wait behind it.
/// </summary>
public interface IApiHandler
{
    ApiKey Key { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>
    /// Reads the body from <see cref="RequestContext.Body"/> and writes the response body into <paramref name="response"/>.
    /// Returns false when no response must be sent (Produce with acks=0). Throws <see cref="MalformedRequestException"/>
    /// for a body that does not parse.
    /// </summary>
    ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken);
}

/// <summary>The parsed request header plus the unread body.</summary>
public sealed record RequestContext(
    ApiKey ApiKey,
    short ApiVersion,
    int CorrelationId,
    string? ClientId,
    KafkaReader Body,
    long ConnectionId,
    EndPoint? RemoteEndPoint);

/// <summary>The API keys this broker knows by name (Kafka's numbering).</summary>
public enum ApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    DescribeGroups = 15,
    ListGroups = 16,
    SaslHandshake = 17,
    ApiVersions = 18,
    CreateTopics = 19,
    DeleteTopics = 20,
    InitProducerId = 22,
    OffsetForLeaderEpoch = 23,
    DescribeConfigs = 32,
    AlterConfigs = 33,
    DeleteGroups = 42,
    IncrementalAlterConfigs = 44,
}

/// <summary>Kafka error codes used by this broker (see shared/kafka-protocol/docs/error-codes.csv).</summary>
public static class ErrorCode
{
    public const short UnknownServerError = -1;
    public const short None = 0;
    public const short OffsetOutOfRange = 1;
    public const short CorruptMessage = 2;
    public const short UnknownTopicOrPartition = 3;
    public const short InvalidFetchSize = 4;
    public const short LeaderNotAvailable = 5;
    public const short NotLeaderOrFollower = 6;
    public const short RequestTimedOut = 7;
    public const short MessageTooLarge = 10;
    public const short OffsetMetadataTooLarge = 12;
    public const short CoordinatorLoadInProgress = 14;
    public const short CoordinatorNotAvailable = 15;
    public const short NotCoordinator = 16;
    public const short InvalidTopicException = 17;
    public const short RecordListTooLarge = 18;
    public const short IllegalGeneration = 22;
    public const short InconsistentGroupProtocol = 23;
    public const short InvalidGroupId = 24;
    public const short UnknownMemberId = 25;
    public const short InvalidSessionTimeout = 26;
    public const short RebalanceInProgress = 27;
    public const short InvalidCommitOffsetSize = 28;
    public const short TopicAuthorizationFailed = 29;
    public const short GroupAuthorizationFailed = 30;
    public const short UnsupportedVersion = 35;
    public const short TopicAlreadyExists = 36;
    public const short InvalidPartitions = 37;
    public const short InvalidReplicationFactor = 38;
    public const short InvalidConfig = 40;
    public const short InvalidRequest = 42;
    public const short UnsupportedForMessageFormat = 43;
    public const short OutOfOrderSequenceNumber = 45;
    public const short DuplicateSequenceNumber = 46;
    public const short InvalidProducerEpoch = 47;
    public const short KafkaStorageError = 56;
    public const short InvalidRecord = 87;
    public const short UnknownProducerId = 59;
    public const short NonEmptyGroup = 68;
    public const short GroupIdNotFound = 69;
    public const short MemberIdRequired = 79;
    public const short FencedInstanceId = 82;
    public const short UnstableOffsetCommit = 88;
}
