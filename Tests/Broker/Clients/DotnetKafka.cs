using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>One message as any client saw it; message i of a run with prefix P is key "P-key-i", value "P-value-i", header index=i.</summary>
internal sealed record SeenMessage(int Partition, long Offset, string? Key, string Value, Dictionary<string, string> Headers)
{
    public static List<SeenMessage> FromClientJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("messages").EnumerateArray().Select(m => new SeenMessage(
            m.GetProperty("partition").GetInt32(),
            m.GetProperty("offset").GetInt64(),
            m.GetProperty("key").GetString(),
            m.GetProperty("value").GetString()!,
            m.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!)))];
    }
}

/// <summary>The reference client (Confluent.Kafka) on the other side of every cross-client test.</summary>
internal static class DotnetKafka
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task CreateTopicAsync(string bootstrap, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    public static int PartitionCount(string bootstrap, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var metadata = admin.GetMetadata(topic, Timeout);
        var found = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, found.Error.Code);
        return found.Partitions.Count;
    }

    /// <summary>Produces messages first..first+count-1 with acks=all and returns where each landed.</summary>
    public static async Task<List<(int Partition, long Offset)>> ProduceAsync(string bootstrap, string topic, string prefix, int count, int first = 0)
    {
        using var producer = new ProducerBuilder<string, string>(
            new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, LingerMs = 5 }).Build();
        var deliveries = Enumerable.Range(first, count).Select(i => producer.ProduceAsync(topic, new Message<string, string>
        {
            Key = $"{prefix}-key-{i}",
            Value = $"{prefix}-value-{i}",
            Headers = new Headers
            {
                { "index", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                { "origin", "dotnet"u8.ToArray() },
            },
        })).ToList();
        var results = await Task.WhenAll(deliveries).WaitAsync(Timeout);
        return [.. results.Select(r => (r.Partition.Value, r.Offset.Value))];
    }

    /// <summary>Reads every partition of the topic from the start, without a group, until <paramref name="expected"/> messages arrived.</summary>
    public static List<SeenMessage> ReadAll(string bootstrap, string topic, int expected)
    {
        var partitions = PartitionCount(bootstrap, topic);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var seen = new List<SeenMessage>();
        var deadline = DateTime.UtcNow + Timeout;
        while (seen.Count < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read {seen.Count} of {expected} messages from {topic} within {Timeout}");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message is { } message)
            {
                seen.Add(new SeenMessage(result.Partition.Value, result.Offset.Value, message.Key, message.Value,
                    message.Headers.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()))));
            }
        }

        consumer.Close();
        return seen;
    }

    public static async Task<Dictionary<int, long>> CommittedAsync(string bootstrap, string group, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var partitions = Enumerable.Range(0, PartitionCount(bootstrap, topic)).Select(p => new TopicPartition(topic, p));
        var results = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [.. partitions])]);
        return Assert.Single(results).Partitions.Where(p => p.Offset.Value >= 0).ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
    }

    public static Dictionary<int, long> HighWatermarks(string bootstrap, string topic)
    {
        var partitions = PartitionCount(bootstrap, topic);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(
            new ConsumerConfig { BootstrapServers = bootstrap, GroupId = $"watermarks-{Guid.NewGuid():N}" }).Build();
        return Enumerable.Range(0, partitions)
            .ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Timeout).High.Value);
    }

    /// <summary>
    /// Asserts that <paramref name="seen"/> is exactly messages first..first+count-1 of <paramref name="prefix"/>, each with
    /// its own key and headers.
    /// </summary>
    public static void AssertExactly(IReadOnlyCollection<SeenMessage> seen, string prefix, int count, string origin, int first = 0)
    {
        Assert.Equal(
            Enumerable.Range(first, count).Select(i => $"{prefix}-value-{i}").Order(),
            seen.Select(m => m.Value).Order());
        foreach (var message in seen)
        {
            var index = message.Value[(message.Value.LastIndexOf('-') + 1)..];
            Assert.Equal($"{prefix}-key-{index}", message.Key);
            Assert.Equal(index, message.Headers["index"]);
            Assert.Equal(origin, message.Headers["origin"]);
        }
    }
}
