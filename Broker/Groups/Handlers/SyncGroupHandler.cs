using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>SyncGroup v0-3: the leader hands out assignments; followers wait for them.</summary>
internal sealed class SyncGroupHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.SyncGroup;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public async ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupId = body.ReadString();
        var generationId = body.ReadInt32();
        var memberId = body.ReadString();
        var groupInstanceId = version >= 3 ? body.ReadNullableString() : null;
        var assignments = body.ReadArray(r => (r.ReadString(), r.ReadBytes().ToArray()), minElementSize: 6);

        var result = await coordinator.SyncGroupAsync(
            new SyncGroupRequestData(groupId, generationId, memberId, groupInstanceId, assignments), cancellationToken).ConfigureAwait(false);

        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16(result.ErrorCode);
        response.WriteBytes(result.Assignment);
        return true;
    }
}
