using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>DeleteGroups v0-1: only groups without members; their committed offsets go with them.</summary>
internal sealed class DeleteGroupsHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.DeleteGroups;

    public short MinVersion => 0;

    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var groupIds = request.Body.ReadArray(r => r.ReadString(), minElementSize: 2);
        var results = coordinator.DeleteGroups(groupIds);

        response.WriteInt32(0);
        response.WriteArray(results, (w, result) =>
        {
            w.WriteString(result.GroupId);
            w.WriteInt16(result.ErrorCode);
        });
        return ValueTask.FromResult(true);
    }
}
