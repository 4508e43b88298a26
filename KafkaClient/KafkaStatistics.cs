using System.Text.Json;

namespace AspirePipeline.KafkaClient;

/// <summary>The parts of a librdkafka statistics JSON document we report (cumulative totals since client start).</summary>
internal sealed record KafkaStatistics(
    string ClientName,
    string ClientType,
    string? ConsumerGroup,
    long Tx,
    long TxBytes,
    long Rx,
    long RxBytes,
    long TxMessages,
    long TxMessageBytes,
    long RxMessages,
    long RxMessageBytes,
    long QueuedMessages,
    long QueuedBytes,
    long MaxQueuedMessages,
    long MaxQueuedBytes,
    long ReplyQueue,
    bool AnyBrokerUp,
    IReadOnlyList<PartitionLag> Lags)
{
    public bool IsConsumer => ClientType == "consumer";

    public static KafkaStatistics Parse(string json, string? consumerGroup)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var anyBrokerUp = false;
        if (root.TryGetProperty("brokers", out var brokers) && brokers.ValueKind == JsonValueKind.Object)
        {
            foreach (var broker in brokers.EnumerateObject())
            {
                // Bootstrap placeholders never reach UP; any real broker that did means we are connected.
                if (broker.Value.TryGetProperty("state", out var state) && state.ValueEquals("UP"))
                {
                    anyBrokerUp = true;
                }
            }
        }

        var lags = new List<PartitionLag>();
        if (root.TryGetProperty("topics", out var topics) && topics.ValueKind == JsonValueKind.Object)
        {
            foreach (var topic in topics.EnumerateObject())
            {
                if (!topic.Value.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                foreach (var partition in partitions.EnumerateObject())
                {
                    var id = Long(partition.Value, "partition", -1);
                    var lag = Long(partition.Value, "consumer_lag", -1);
                    // Partition -1 is librdkafka's internal UA partition; lag -1 means "not consuming this partition".
                    if (id >= 0 && lag >= 0)
                    {
                        lags.Add(new PartitionLag(topic.Name, (int)id, lag));
                    }
                }
            }
        }

        return new KafkaStatistics(
            root.TryGetProperty("name", out var name) ? name.GetString() ?? "unknown" : "unknown",
            root.TryGetProperty("type", out var type) ? type.GetString() ?? "unknown" : "unknown",
            consumerGroup,
            Long(root, "tx"), Long(root, "tx_bytes"), Long(root, "rx"), Long(root, "rx_bytes"),
            Long(root, "txmsgs"), Long(root, "txmsg_bytes"), Long(root, "rxmsgs"), Long(root, "rxmsg_bytes"),
            Long(root, "msg_cnt"), Long(root, "msg_size"), Long(root, "msg_max"), Long(root, "msg_size_max"),
            Long(root, "replyq"), anyBrokerUp, lags);
    }

    private static long Long(JsonElement element, string property, long fallback = 0) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : fallback;
}

internal readonly record struct PartitionLag(string Topic, int Partition, long Lag);
