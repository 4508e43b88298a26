using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>FindCoordinator v0-2: this single node coordinates every group. Transactions are not supported, so a
/// transaction coordinator lookup gets a clear error instead of an address that would then fail.</summary>
internal sealed class FindCoordinatorHandler(IBrokerIdentity identity) : IApiHandler
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public ApiKey Key => ApiKey.FindCoordinator;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        _ = body.ReadString();
        var keyType = version >= 1 ? body.ReadInt8() : GroupKeyType;

        var (error, message) = keyType switch
        {
            GroupKeyType => (ErrorCode.None, (string?)null),
            TransactionKeyType => (ErrorCode.CoordinatorNotAvailable,
                "this broker does not support transactions; use an idempotent producer without transactional.id"),
            _ => (ErrorCode.InvalidRequest, $"unknown coordinator key type {keyType}; 0 is a consumer group"),
        };

        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16(error);
        if (version >= 1)
        {
            response.WriteNullableString(message);
        }

        var found = error == ErrorCode.None;
        response.WriteInt32(found ? identity.NodeId : -1);
        response.WriteString(found ? identity.Host : "");
        response.WriteInt32(found ? identity.Port : -1);
        return ValueTask.FromResult(true);
    }
}
