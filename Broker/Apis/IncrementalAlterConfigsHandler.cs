using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// IncrementalAlterConfigs v0 (v1 is flexible): SET and DELETE of single topic config keys, the rest left as they are
/// (what Confluent's AdminClient and kafka-configs.sh send). APPEND/SUBTRACT apply to list configs, and the only list
/// config here (cleanup.policy) has one possible value, so they are refused with a message.
/// </summary>
internal sealed class IncrementalAlterConfigsHandler(TopicRegistry topics) : IApiHandler
{
    private const sbyte OperationSet = 0;
    private const sbyte OperationDelete = 1;

    public ApiKey Key => ApiKey.IncrementalAlterConfigs;

    public short MinVersion => 0;

    public short MaxVersion => 0;

    private readonly record struct Change(string Name, sbyte Operation, string? Value);

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var resources = new (sbyte Type, string Name, Change[] Changes)[body.ReadArrayCount(minElementSize: 7)];
        for (var i = 0; i < resources.Length; i++)
        {
            var type = body.ReadInt8();
            var name = body.ReadString();
            var changes = new Change[body.ReadArrayCount(minElementSize: 5)];
            for (var c = 0; c < changes.Length; c++)
            {
                changes[c] = new Change(body.ReadString(), body.ReadInt8(), body.ReadNullableString());
            }

            resources[i] = (type, name, changes);
        }

        var validateOnly = body.ReadBoolean();
        var results = new AlterConfigsResult[resources.Length];
        for (var i = 0; i < resources.Length; i++)
        {
            var (type, name, changes) = resources[i];
            string? message;
            var error = type == ConfigResources.Topic
                ? Alter(name, changes, validateOnly, out message)
                : ConfigResources.RefuseNonTopic(type, name, out message);
            results[i] = new AlterConfigsResult(error, message, type, name);
        }

        AlterConfigsResult.WriteResponse(response, results);
        return ValueTask.FromResult(true);
    }

    private short Alter(string topicName, Change[] changes, bool validateOnly, out string? message)
    {
        if (!topics.TryGet(topicName, out var topic))
        {
            message = $"Topic '{topicName}' does not exist.";
            return ErrorCode.UnknownTopicOrPartition;
        }

        var overrides = topic.Config.Overrides.ToDictionary(c => c.Key, string? (c) => c.Value, StringComparer.Ordinal);
        foreach (var change in changes)
        {
            switch (change.Operation)
            {
                case OperationSet when change.Value is not null:
                    overrides[change.Name] = change.Value;
                    break;
                case OperationSet:
                    message = $"SET of {change.Name} needs a value.";
                    return ErrorCode.InvalidConfig;
                case OperationDelete:
                    // Deleting an unknown key is still an error in Kafka: the name is checked like a SET would be.
                    if (!TopicConfig.SupportedKeys.Contains(change.Name))
                    {
                        message = TopicConfig.Validate(change.Name, "");
                        return ErrorCode.InvalidConfig;
                    }

                    overrides.Remove(change.Name);
                    break;
                default:
                    message = $"Operation {change.Operation} on {change.Name} is not supported: use SET (0) or DELETE (1); "
                        + "APPEND/SUBTRACT only apply to list configs, and cleanup.policy has the single value 'delete' here.";
                    return ErrorCode.InvalidConfig;
            }
        }

        return topics.AlterConfig(topicName, overrides, validateOnly, out message);
    }
}
