namespace AspirePipeline.Broker.Protocol;

/// <summary>
/// One Kafka API (one key, a range of non-flexible versions). The server parses the request header, hands the body
/// to the handler and frames what the handler writes as the response body behind the v0 response header.
/// Requests on one connection are handled one at a time, in order, as Kafka does; a handler may wait (JoinGroup,
/// Fetch long-poll) and that connection's later requests wait behind it.
/// </summary>
internal interface IApiHandler
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
