using System.Net;
using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>JoinGroup v0-5. The response waits until the rebalance completes, holding this connection's queue as Kafka does.</summary>
internal sealed class JoinGroupHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.JoinGroup;

    public short MinVersion => 0;

    public short MaxVersion => 5;

    public async ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupId = body.ReadString();
        var sessionTimeoutMs = body.ReadInt32();
        var rebalanceTimeoutMs = version >= 1 ? body.ReadInt32() : sessionTimeoutMs;
        var memberId = body.ReadString();
        var groupInstanceId = version >= 5 ? body.ReadNullableString() : null;
        var protocolType = body.ReadString();

        // Copied out of the request buffer: the metadata outlives this request (the leader receives it later).
        var protocols = body.ReadArray(r => new GroupProtocol(r.ReadString(), r.ReadBytes().ToArray()), minElementSize: 6);

        var result = await coordinator.JoinGroupAsync(
            new JoinGroupRequestData(groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType,
                protocols, RequireKnownMemberId: version >= 4, request.ClientId ?? "", ClientHost.Of(request.RemoteEndPoint)),
            cancellationToken).ConfigureAwait(false);

        if (version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16(result.ErrorCode);
        response.WriteInt32(result.GenerationId);
        response.WriteString(result.ProtocolName ?? "");
        response.WriteString(result.LeaderId);
        response.WriteString(result.MemberId);
        response.WriteArray(result.Members, (w, member) =>
        {
            w.WriteString(member.MemberId);
            if (version >= 5)
            {
                w.WriteNullableString(member.GroupInstanceId);
            }

            w.WriteBytes(member.Metadata);
        });
        return true;
    }
}

internal static class ClientHost
{
    /// <summary>Kafka reports a member's host as "/address" (Java's InetAddress.toString()); admin tools expect that.</summary>
    public static string Of(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => "/" + (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address),
        null => "",
        _ => "/" + endPoint,
    };
}
