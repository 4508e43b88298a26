using AspirePipeline.Broker.Groups;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// Metadata v1-8: this node is the only broker, the controller and every partition's leader (epoch 0). Unknown topics
/// are created when auto-creation is on and the request allows it (always before v4). v0 is served too although
/// Kafka's clients never need it: kafka-python 2.0.2 sends a v0 request while probing the broker's version and gives
/// up when the connection closes.
/// </summary>
internal sealed class MetadataHandler(TopicRegistry topics, IBrokerIdentity identity) : IApiHandler
{
    public ApiKey Key => ApiKey.Metadata;

    public short MinVersion => 0;

    public short MaxVersion => 8;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var version = request.ApiVersion;
        var topicCount = body.ReadInt32();
        if (topicCount < -1 || topicCount > body.Remaining / 2)
        {
            throw new MalformedRequestException($"topic count {topicCount} cannot fit in {body.Remaining} bytes");
        }

        string[]? names = null;
        // In v0 an empty list (not null) means every topic.
        if (topicCount >= 0 && !(version == 0 && topicCount == 0))
        {
            names = new string[topicCount];
            for (var i = 0; i < topicCount; i++)
            {
                names[i] = body.ReadString();
            }
        }

        var allowAutoCreate = version < 4 || body.ReadBoolean();
        if (version >= 8)
        {
            _ = body.ReadBoolean();
            _ = body.ReadBoolean();
        }

        if (version >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteInt32(1);
        response.WriteInt32(identity.NodeId);
        response.WriteString(identity.Host);
        response.WriteInt32(identity.Port);
        if (version >= 1)
        {
            response.WriteNullableString(null);
        }

        if (version >= 2)
        {
            response.WriteNullableString(identity.ClusterId);
        }

        if (version >= 1)
        {
            response.WriteInt32(identity.NodeId);
        }

        if (names is null)
        {
            var all = topics.Snapshot();
            response.WriteInt32(all.Length);
            foreach (var topic in all)
            {
                WriteTopic(response, version, ErrorCode.None, topic.Name, topic);
            }
        }
        else
        {
            response.WriteInt32(names.Length);
            foreach (var name in names)
            {
                var error = topics.GetOrAutoCreate(name, allowAutoCreate, out var topic);
                WriteTopic(response, version, error, name, topic);
            }
        }

        if (version >= 8)
        {
            response.WriteInt32(int.MinValue);
        }

        return ValueTask.FromResult(true);
    }

    private void WriteTopic(KafkaWriter response, short version, short error, string name, Topic? topic)
    {
        response.WriteInt16(error);
        response.WriteString(name);
        if (version >= 1)
        {
            response.WriteBoolean(false);
        }

        var partitions = topic?.Partitions ?? [];
        response.WriteInt32(partitions.Length);
        foreach (var partition in partitions)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(partition.Index);
            response.WriteInt32(identity.NodeId);
            if (version >= 7)
            {
                response.WriteInt32(0);
            }

            response.WriteInt32(1);
            response.WriteInt32(identity.NodeId);
            response.WriteInt32(1);
            response.WriteInt32(identity.NodeId);
            if (version >= 5)
            {
                response.WriteInt32(0);
            }
        }

        if (version >= 8)
        {
            response.WriteInt32(int.MinValue);
        }
    }
}
