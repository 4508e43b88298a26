using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>CreateTopics v0-4 (this node is the controller). Replication factor must be 1 or -1 on a single node.</summary>
internal sealed class CreateTopicsHandler(TopicRegistry topics, Microsoft.Extensions.Options.IOptions<BrokerOptions> options) : IApiHandler
{
    public ApiKey Key => ApiKey.CreateTopics;

    public short MinVersion => 0;

    public short MaxVersion => 4;

    private sealed record Creatable(string Name, int Partitions, short ReplicationFactor, int Assignments, Dictionary<string, string?> Configs);

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var version = request.ApiVersion;
        var count = body.ReadArrayCount(minElementSize: 16);
        var creatables = new Creatable[count];
        for (var i = 0; i < count; i++)
        {
            var name = body.ReadString();
            var partitions = body.ReadInt32();
            var replicationFactor = body.ReadInt16();
            var assignments = body.ReadArrayCount(minElementSize: 8);
            for (var a = 0; a < assignments; a++)
            {
                _ = body.ReadInt32();
                var brokers = body.ReadArrayCount(minElementSize: 4);
                for (var b = 0; b < brokers; b++)
                {
                    _ = body.ReadInt32();
                }
            }

            var configCount = body.ReadArrayCount(minElementSize: 4);
            var configs = new Dictionary<string, string?>(configCount, StringComparer.Ordinal);
            for (var c = 0; c < configCount; c++)
            {
                configs[body.ReadString()] = body.ReadNullableString();
            }

            creatables[i] = new Creatable(name, partitions, replicationFactor, assignments, configs);
        }

        _ = body.ReadInt32();
        var validateOnly = version >= 1 && body.ReadBoolean();

        if (version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteInt32(creatables.Length);
        foreach (var creatable in creatables)
        {
            short error;
            string? message;
            if (creatable.ReplicationFactor is not (-1 or 1) && creatable.Assignments == 0)
            {
                error = ErrorCode.InvalidReplicationFactor;
                message = $"Topic '{creatable.Name}': replication factor {creatable.ReplicationFactor} is impossible " +
                    "on this single-node broker; use 1 (or -1 for the default).";
            }
            else
            {
                var partitions = creatable.Assignments > 0 ? creatable.Assignments
                    : creatable.Partitions == -1 ? options.Value.DefaultPartitions
                    : creatable.Partitions;
                error = topics.Create(creatable.Name, partitions, creatable.Configs, validateOnly, out message);
            }

            response.WriteString(creatable.Name);
            response.WriteInt16(error);
            if (version >= 1)
            {
                response.WriteNullableString(message);
            }
        }

        return ValueTask.FromResult(true);
    }
}
