using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>DescribeGroups v0-4. No ACLs here, so authorized operations are always "not requested/unknown".</summary>
internal sealed class DescribeGroupsHandler(GroupCoordinator coordinator) : IApiHandler
{
    private const int AuthorizedOperationsOmitted = int.MinValue;

    public ApiKey Key => ApiKey.DescribeGroups;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupIds = body.ReadArray(r => r.ReadString(), minElementSize: 2);
        if (version >= 3)
        {
            _ = body.ReadBoolean();
        }

        var groups = groupIds.Select(coordinator.DescribeGroup).ToList();

        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteArray(groups, (w, group) =>
        {
            w.WriteInt16(group.ErrorCode);
            w.WriteString(group.GroupId);
            w.WriteString(group.State.ToString());
            w.WriteString(group.ProtocolType);
            w.WriteString(group.ProtocolName);
            w.WriteArray(group.Members, (mw, member) =>
            {
                mw.WriteString(member.MemberId);
                if (version >= 4)
                {
                    mw.WriteNullableString(member.GroupInstanceId);
                }

                mw.WriteString(member.ClientId);
                mw.WriteString(member.ClientHost);
                mw.WriteBytes(member.Metadata);
                mw.WriteBytes(member.Assignment);
            });
            if (version >= 3)
            {
                w.WriteInt32(AuthorizedOperationsOmitted);
            }
        });
        return ValueTask.FromResult(true);
    }
}
