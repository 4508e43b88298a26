using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// InitProducerId v0-1 for idempotent producers (epoch 0, a fresh id each time). Transactional ids are refused:
/// this broker has no transaction coordinator.
/// </summary>
internal sealed class InitProducerIdHandler : IApiHandler
{
    private const short TransactionalIdAuthorizationFailed = 53;

    // Seeded from the clock so ids handed out before a broker restart are not handed out again after it.
    private long _nextProducerId = DateTimeOffset.UtcNow.ToUnixTimeSeconds() << 16;

    public ApiKey Key => ApiKey.InitProducerId;

    public short MinVersion => 0;

    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var transactionalId = request.Body.ReadNullableString();
        _ = request.Body.ReadInt32();
        response.WriteInt32(0);
        if (transactionalId is not null)
        {
            response.WriteInt16(TransactionalIdAuthorizationFailed);
            response.WriteInt64(-1);
            response.WriteInt16(-1);
        }
        else
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt64(Interlocked.Increment(ref _nextProducerId));
            response.WriteInt16(0);
        }

        return ValueTask.FromResult(true);
    }
}
