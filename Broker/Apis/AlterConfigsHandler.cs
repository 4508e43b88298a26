using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// AlterConfigs v0-1: replaces a topic's whole set of config overrides (Kafka's non-incremental semantics: a key left
/// out goes back to the broker's value). Broker configs are fixed at start here, so altering them is refused.
/// </summary>
internal sealed class AlterConfigsHandler(TopicRegistry topics) : IApiHandler
{
    public ApiKey Key => ApiKey.AlterConfigs;

    public short MinVersion => 0;

    public short MaxVersion => 1;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var resources = new (sbyte Type, string Name, Dictionary<string, string?> Configs)[body.ReadArrayCount(minElementSize: 7)];
        for (var i = 0; i < resources.Length; i++)
        {
            var type = body.ReadInt8();
            var name = body.ReadString();
            var count = body.ReadArrayCount(minElementSize: 4);
            var configs = new Dictionary<string, string?>(count, StringComparer.Ordinal);
            for (var c = 0; c < count; c++)
            {
                configs[body.ReadString()] = body.ReadNullableString();
            }

            resources[i] = (type, name, configs);
        }

        var validateOnly = body.ReadBoolean();
        var results = new AlterConfigsResult[resources.Length];
        for (var i = 0; i < resources.Length; i++)
        {
            var (type, name, configs) = resources[i];
            string? message;
            var error = type == ConfigResources.Topic
                ? topics.AlterConfig(name, configs, validateOnly, out message)
                : ConfigResources.RefuseNonTopic(type, name, out message);
            results[i] = new AlterConfigsResult(error, message, type, name);
        }

        AlterConfigsResult.WriteResponse(response, results);
        return ValueTask.FromResult(true);
    }
}

/// <summary>The resource types of the config APIs and the answer for the ones this broker cannot alter.</summary>
internal static class ConfigResources
{
    public const sbyte Topic = 2;
    public const sbyte Broker = 4;

    public static short RefuseNonTopic(sbyte type, string name, out string message)
    {
        message = type == Broker
            ? $"Broker '{name}' configs are fixed at start on this broker: set them with its switches (--retention-ms, ...) or Broker:* settings."
            : $"Resource type {type} '{name}' has no configs on this broker: alter a topic (2).";
        return ErrorCode.InvalidRequest;
    }
}

/// <summary>One resource's answer; AlterConfigs and IncrementalAlterConfigs (non-flexible versions) share the layout.</summary>
internal readonly record struct AlterConfigsResult(short Error, string? Message, sbyte ResourceType, string ResourceName)
{
    public static void WriteResponse(KafkaWriter response, AlterConfigsResult[] results)
    {
        response.WriteInt32(0);
        response.WriteInt32(results.Length);
        foreach (var result in results)
        {
            response.WriteInt16(result.Error);
            response.WriteNullableString(result.Message);
            response.WriteInt8(result.ResourceType);
            response.WriteString(result.ResourceName);
        }
    }
}
