using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>Heartbeat v0-3: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.</summary>
internal sealed class HeartbeatHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.Heartbeat;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupId = body.ReadString();
        var generationId = body.ReadInt32();
        var memberId = body.ReadString();
        var groupInstanceId = version >= 3 ? body.ReadNullableString() : null;

        var error = coordinator.Heartbeat(groupId, generationId, memberId, groupInstanceId);

        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16(error);
        return ValueTask.FromResult(true);
    }
}
