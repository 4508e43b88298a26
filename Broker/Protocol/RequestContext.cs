using System.Net;

namespace AspirePipeline.Broker.Protocol;

/// <summary>The parsed request header plus the unread body.</summary>
internal sealed record RequestContext(
    ApiKey ApiKey,
    short ApiVersion,
    int CorrelationId,
    string? ClientId,
    KafkaReader Body,
    long ConnectionId,
    EndPoint? RemoteEndPoint);
