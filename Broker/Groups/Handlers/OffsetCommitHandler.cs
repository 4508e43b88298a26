using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>OffsetCommit v2-7. Retention (v2-4) is read and ignored: committed offsets are kept until the group is deleted.</summary>
internal sealed class OffsetCommitHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.OffsetCommit;

    public short MinVersion => 2;

    public short MaxVersion => 7;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupId = body.ReadString();
        var generationId = body.ReadInt32();
        var memberId = body.ReadString();
        var groupInstanceId = version >= 7 ? body.ReadNullableString() : null;
        if (version <= 4)
        {
            _ = body.ReadInt64();
        }

        var topics = body.ReadArray(r => new OffsetCommitTopic(
            r.ReadString(),
            r.ReadArray(p => new OffsetCommitPartition(
                p.ReadInt32(),
                p.ReadInt64(),
                version >= 6 ? p.ReadInt32() : -1,
                p.ReadNullableString()), minElementSize: 14)), minElementSize: 6);

        var results = coordinator.CommitOffsets(new OffsetCommitRequestData(groupId, generationId, memberId, groupInstanceId, topics));

        if (version >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArray(results, (w, topic) =>
        {
            w.WriteString(topic.Name);
            w.WriteArray(topic.Partitions, (pw, partition) =>
            {
                pw.WriteInt32(partition.Partition);
                pw.WriteInt16(partition.ErrorCode);
            });
        });
        return ValueTask.FromResult(true);
    }
}
