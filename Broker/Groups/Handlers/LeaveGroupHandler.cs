using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>LeaveGroup v0-3: one member (v0-2) or a batch with per-member errors (v3).</summary>
internal sealed class LeaveGroupHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.LeaveGroup;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupId = body.ReadString();
        var members = version >= 3
            ? body.ReadArray(r => new MemberIdentity(r.ReadString(), r.ReadNullableString()), minElementSize: 4)
            : [new MemberIdentity(body.ReadString(), null)];

        var result = coordinator.LeaveGroup(groupId, members);

        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        if (version >= 3)
        {
            response.WriteInt16(result.ErrorCode);
            response.WriteArray(result.Members, (w, member) =>
            {
                w.WriteString(member.MemberId);
                w.WriteNullableString(member.GroupInstanceId);
                w.WriteInt16(member.ErrorCode);
            });
        }
        else
        {
            // A single-member leave reports that member's outcome as the request's error.
            response.WriteInt16(result.ErrorCode != ErrorCode.None ? result.ErrorCode : result.Members[0].ErrorCode);
        }

        return ValueTask.FromResult(true);
    }
}
