using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// ListOffsets v1-5: -2 = log start (earliest), -1 = log end (latest; also the last stable offset, since this broker
/// has no transactions), otherwise the first batch whose max timestamp is at or after the given one.
/// </summary>
internal sealed class ListOffsetsHandler(TopicRegistry topics) : IApiHandler
{
    private const long Latest = -1;
    private const long Earliest = -2;

    public ApiKey Key => ApiKey.ListOffsets;

    public short MinVersion => 1;

    public short MaxVersion => 5;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var version = request.ApiVersion;
        _ = body.ReadInt32();
        if (version >= 2)
        {
            _ = body.ReadInt8();
        }

        var topicCount = body.ReadArrayCount(minElementSize: 6);
        var requested = new (string Name, (int Index, long Timestamp)[] Partitions)[topicCount];
        for (var t = 0; t < topicCount; t++)
        {
            var name = body.ReadString();
            var partitions = new (int, long)[body.ReadArrayCount(minElementSize: 12)];
            for (var p = 0; p < partitions.Length; p++)
            {
                var index = body.ReadInt32();
                if (version >= 4)
                {
                    _ = body.ReadInt32();
                }

                partitions[p] = (index, body.ReadInt64());
            }

            requested[t] = (name, partitions);
        }

        if (version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteInt32(requested.Length);
        foreach (var (name, partitions) in requested)
        {
            topics.TryGet(name, out var topic);
            response.WriteString(name);
            response.WriteInt32(partitions.Length);
            foreach (var (index, timestamp) in partitions)
            {
                response.WriteInt32(index);
                if (topic is null || !topic.TryGetPartition(index, out var partition))
                {
                    WritePartition(response, version, ErrorCode.UnknownTopicOrPartition, -1, -1);
                    continue;
                }

                var log = partition.Log;
                switch (timestamp)
                {
                    case Earliest:
                        WritePartition(response, version, ErrorCode.None, -1, log.LogStartOffset);
                        break;
                    case Latest:
                        WritePartition(response, version, ErrorCode.None, -1, log.LogEndOffset);
                        break;
                    case < 0:
                        WritePartition(response, version, ErrorCode.InvalidRequest, -1, -1);
                        break;
                    default:
                        // Batch granularity: the offset is the start of the first batch reaching the timestamp, so a
                        // consumer seeking there may see a few earlier records of that batch, never miss later ones.
                        var offset = log.OffsetForTimestamp(timestamp);
                        WritePartition(response, version, ErrorCode.None, offset is null ? -1 : timestamp, offset ?? -1);
                        break;
                }
            }
        }

        return ValueTask.FromResult(true);
    }

    private static void WritePartition(KafkaWriter response, short version, short error, long timestamp, long offset)
    {
        response.WriteInt16(error);
        response.WriteInt64(timestamp);
        response.WriteInt64(offset);
        if (version >= 4)
        {
            response.WriteInt32(error == ErrorCode.None ? 0 : -1);
        }
    }
}
