using System.Globalization;
using AspirePipeline.Broker.Groups;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using AspirePipeline.Broker.Topics;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// DescribeConfigs v0-3 for topics (type 2) and this broker (type 4): the settings admin tools and clients look at,
/// with the values this broker actually applies: a topic's own configs as DYNAMIC_TOPIC_CONFIG, the rest as the broker's
/// (STATIC_BROKER_CONFIG when set by a broker switch, DEFAULT_CONFIG otherwise).
/// </summary>
internal sealed class DescribeConfigsHandler(
    TopicRegistry topics,
    IBrokerIdentity identity,
    StorageHealth storage,
    IOptions<BrokerOptions> options) : IApiHandler
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte SourceTopic = 1;
    private const sbyte SourceStaticBroker = 4;
    private const sbyte SourceDefault = 5;
    private const sbyte TypeBoolean = 1;
    private const sbyte TypeString = 2;
    private const sbyte TypeInt = 3;
    private const sbyte TypeLong = 5;
    private const sbyte TypeList = 7;

    public ApiKey Key => ApiKey.DescribeConfigs;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    private readonly record struct ConfigEntry(string Name, string? Value, sbyte Source, sbyte Type, bool ReadOnly);

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var version = request.ApiVersion;
        var resources = new (sbyte Type, string Name, HashSet<string>? Keys)[body.ReadArrayCount(minElementSize: 7)];
        for (var i = 0; i < resources.Length; i++)
        {
            var type = body.ReadInt8();
            var name = body.ReadString();
            var keyCount = body.ReadInt32();
            HashSet<string>? keys = null;
            if (keyCount >= 0)
            {
                if (keyCount > body.Remaining / 2)
                {
                    throw new MalformedRequestException($"configuration key count {keyCount} cannot fit in {body.Remaining} bytes");
                }

                keys = new HashSet<string>(StringComparer.Ordinal);
                for (var k = 0; k < keyCount; k++)
                {
                    keys.Add(body.ReadString());
                }
            }

            resources[i] = (type, name, keys);
        }

        response.WriteInt32(0);
        response.WriteInt32(resources.Length);
        foreach (var (type, name, keys) in resources)
        {
            var error = ErrorCode.None;
            string? message = null;
            List<ConfigEntry> entries = [];
            if (type == TopicResource)
            {
                if (topics.TryGet(name, out var topic))
                {
                    entries = TopicConfigs(topic);
                }
                else
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                    message = $"Topic '{name}' does not exist.";
                }
            }
            else if (type == BrokerResource && (name.Length == 0 || name == identity.NodeId.ToString(CultureInfo.InvariantCulture)))
            {
                entries = BrokerConfigs();
            }
            else
            {
                error = ErrorCode.InvalidRequest;
                message = $"Resource type {type} '{name}' is not described by this broker: ask for a topic (2) or broker {identity.NodeId} (4).";
            }

            response.WriteInt16(error);
            response.WriteNullableString(message);
            response.WriteInt8(type);
            response.WriteString(name);
            var countAt = response.ReserveInt32();
            var count = 0;
            foreach (var entry in entries)
            {
                if (keys is not null && !keys.Contains(entry.Name))
                {
                    continue;
                }

                WriteEntry(response, version, entry);
                count++;
            }

            response.PatchInt32(countAt, count);
        }

        return ValueTask.FromResult(true);
    }

    private static void WriteEntry(KafkaWriter response, short version, ConfigEntry entry)
    {
        response.WriteString(entry.Name);
        response.WriteNullableString(entry.Value);
        response.WriteBoolean(entry.ReadOnly);
        if (version == 0)
        {
            response.WriteBoolean(entry.Source == SourceDefault);
        }
        else
        {
            response.WriteInt8(entry.Source);
        }

        response.WriteBoolean(false);
        if (version >= 1)
        {
            response.WriteInt32(0);
        }

        if (version >= 3)
        {
            response.WriteInt8(entry.Type);
            response.WriteNullableString(null);
        }
    }

    private List<ConfigEntry> TopicConfigs(Topic topic)
    {
        var o = options.Value;
        var defaults = topics.Defaults;
        return
        [
            Topic(topic, TopicConfig.CleanupPolicy, "delete", SourceDefault, TypeList),
            Topic(topic, TopicConfig.CompressionType, "producer", SourceDefault, TypeString),
            Topic(topic, TopicConfig.MaxMessageBytes, Invariant(defaults.MaxMessageBytes), SourceStaticBroker, TypeInt),
            Topic(topic, TopicConfig.MessageTimestampType, "CreateTime", SourceDefault, TypeString),
            Topic(topic, TopicConfig.MinInsyncReplicas, "1", SourceDefault, TypeInt),
            Topic(topic, TopicConfig.RetentionBytes, Invariant(o.RetentionBytes ?? -1),
                o.RetentionBytes is null ? SourceDefault : SourceStaticBroker, TypeLong),
            Topic(topic, TopicConfig.RetentionMs, Invariant(o.RetentionMs ?? -1),
                o.RetentionMs is null ? SourceDefault : SourceStaticBroker, TypeLong),
            Topic(topic, TopicConfig.SegmentBytes, Invariant(defaults.SegmentBytes), SourceStaticBroker, TypeInt),
            Topic(topic, TopicConfig.SegmentMs, Invariant(TopicConfig.DefaultSegmentMs), SourceDefault, TypeLong),
        ];
    }

    /// <summary>The topic's own value (DYNAMIC_TOPIC_CONFIG) when set, else the broker's with where it came from.</summary>
    private static ConfigEntry Topic(Topic topic, string name, string brokerValue, sbyte brokerSource, sbyte type) =>
        topic.Config.Overrides.TryGetValue(name, out var value)
            ? new ConfigEntry(name, value, SourceTopic, type, ReadOnly: false)
            : new ConfigEntry(name, brokerValue, brokerSource, type, ReadOnly: false);

    private List<ConfigEntry> BrokerConfigs()
    {
        var o = options.Value;
        var listener = $"PLAINTEXT://{identity.Host}:{identity.Port}";
        return
        [
            new("broker.id", Invariant(identity.NodeId), SourceStaticBroker, TypeInt, ReadOnly: true),
            new("advertised.listeners", listener, SourceStaticBroker, TypeList, ReadOnly: true),
            new("listeners", $"PLAINTEXT://{o.Host}:{identity.Port}", SourceStaticBroker, TypeList, ReadOnly: true),
            new("message.max.bytes", Invariant(o.MessageMaxBytes), SourceStaticBroker, TypeInt, ReadOnly: true),
            new("num.partitions", Invariant(o.DefaultPartitions), SourceStaticBroker, TypeInt, ReadOnly: true),
            new("auto.create.topics.enable", o.AutoCreateTopics ? "true" : "false", SourceStaticBroker, TypeBoolean, ReadOnly: true),
            new("default.replication.factor", "1", SourceDefault, TypeInt, ReadOnly: true),
            new("offsets.topic.replication.factor", "1", SourceDefault, TypeInt, ReadOnly: true),
            new("log.retention.bytes", Invariant(o.RetentionBytes ?? -1), SourceStaticBroker, TypeLong, ReadOnly: true),
            new("log.retention.ms", Invariant(o.RetentionMs ?? -1), SourceStaticBroker, TypeLong, ReadOnly: true),
            new("log.retention.check.interval.ms", Invariant(o.RetentionCheckIntervalMs), SourceStaticBroker, TypeLong, ReadOnly: true),
            new("log.segment.bytes", Invariant(topics.Defaults.SegmentBytes), SourceStaticBroker, TypeInt, ReadOnly: true),
            new("log.dirs", o.InMemory ? null : o.DataDir, SourceStaticBroker, TypeString, ReadOnly: true),
            // Not a Kafka config: how the AppHost's health check learns that the data directory refuses writes.
            new(StorageHealth.ConfigName, storage.Problem, SourceStaticBroker, TypeString, ReadOnly: true),
        ];
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
