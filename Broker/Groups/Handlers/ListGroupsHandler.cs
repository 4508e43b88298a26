using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>ListGroups v0-2.</summary>
internal sealed class ListGroupsHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.ListGroups;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var groups = coordinator.ListGroups();
        if (request.ApiVersion >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16(ErrorCode.None);
        response.WriteArray(groups, (w, group) =>
        {
            w.WriteString(group.GroupId);
            w.WriteString(group.ProtocolType);
        });
        return ValueTask.FromResult(true);
    }
}
