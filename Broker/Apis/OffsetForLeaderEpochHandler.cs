using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// OffsetForLeaderEpoch v2-3 (librdkafka validates its fetch position with it): there has only ever been leader
/// epoch 0, which ends at the log end offset.
/// </summary>
internal sealed class OffsetForLeaderEpochHandler(TopicRegistry topics) : IApiHandler
{
    public ApiKey Key => ApiKey.OffsetForLeaderEpoch;

    public short MinVersion => 2;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        if (request.ApiVersion >= 3)
        {
            _ = body.ReadInt32();
        }

        var requested = new (string Topic, int[] Partitions)[body.ReadArrayCount(minElementSize: 6)];
        for (var t = 0; t < requested.Length; t++)
        {
            var name = body.ReadString();
            var partitions = new int[body.ReadArrayCount(minElementSize: 12)];
            for (var p = 0; p < partitions.Length; p++)
            {
                partitions[p] = body.ReadInt32();
                _ = body.ReadInt32();
                _ = body.ReadInt32();
            }

            requested[t] = (name, partitions);
        }

        response.WriteInt32(0);
        response.WriteInt32(requested.Length);
        foreach (var (name, partitions) in requested)
        {
            topics.TryGet(name, out var topic);
            response.WriteString(name);
            response.WriteInt32(partitions.Length);
            foreach (var index in partitions)
            {
                if (topic is not null && topic.TryGetPartition(index, out var partition))
                {
                    response.WriteInt16(ErrorCode.None);
                    response.WriteInt32(index);
                    response.WriteInt32(0);
                    response.WriteInt64(partition.Log.LogEndOffset);
                }
                else
                {
                    response.WriteInt16(ErrorCode.UnknownTopicOrPartition);
                    response.WriteInt32(index);
                    response.WriteInt32(-1);
                    response.WriteInt64(-1);
                }
            }
        }

        return ValueTask.FromResult(true);
    }
}
