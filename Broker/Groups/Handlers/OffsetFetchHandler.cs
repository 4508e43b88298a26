using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Groups.Handlers;

/// <summary>OffsetFetch v1-5: null topics (v2+) means every partition the group committed.</summary>
internal sealed class OffsetFetchHandler(GroupCoordinator coordinator) : IApiHandler
{
    public ApiKey Key => ApiKey.OffsetFetch;

    public short MinVersion => 1;

    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var version = request.ApiVersion;
        var body = request.Body;
        var groupId = body.ReadString();
        var topicCount = body.ReadInt32();
        List<OffsetFetchTopic>? topics = null;
        if (topicCount >= 0 || version < 2)
        {
            topics = [];
            if (topicCount > 0 && (long)topicCount * 6 > body.Remaining)
            {
                throw new MalformedRequestException($"OffsetFetch topic count {topicCount} cannot fit in the {body.Remaining} bytes left");
            }

            for (var i = 0; i < topicCount; i++)
            {
                topics.Add(new OffsetFetchTopic(body.ReadString(), body.ReadArray(r => r.ReadInt32(), minElementSize: 4)));
            }
        }

        var results = coordinator.FetchOffsets(groupId, topics);

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
                pw.WriteInt64(partition.Offset);
                if (version >= 5)
                {
                    pw.WriteInt32(partition.LeaderEpoch);
                }

                pw.WriteNullableString(partition.Metadata);
                pw.WriteInt16(partition.ErrorCode);
            });
        });
        if (version >= 2)
        {
            response.WriteInt16(ErrorCode.None);
        }

        return ValueTask.FromResult(true);
    }
}
