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
    /// <summary>Where each consumed partition's frames are: still in the broker, prefetched, or handed to the application.</summary>
    public IReadOnlyList<PartitionFetchState> Partitions { get; init; } = [];

    /// <summary>Fetch requests sent so far, summed over the brokers (not the bootstrap placeholders).</summary>
    public long FetchRequests { get; init; }

    /// <summary>The brokers' round-trip time over librdkafka's last statistics window (the largest average), µs.</summary>
    public long RttAverageMicros { get; init; }

    public bool IsConsumer => ClientType == "consumer";

    public static KafkaStatistics Parse(string json, string? consumerGroup)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var anyBrokerUp = false;
        long fetchRequests = 0, rttAverage = 0;
        if (root.TryGetProperty("brokers", out var brokers) && brokers.ValueKind == JsonValueKind.Object)
        {
            foreach (var broker in brokers.EnumerateObject())
            {
                // Bootstrap placeholders never reach UP; any real broker that did means we are connected.
                if (broker.Value.TryGetProperty("state", out var state) && state.ValueEquals("UP"))
                {
                    anyBrokerUp = true;
                }
                if (Long(broker.Value, "nodeid", -1) < 0)
                {
                    continue;
                }
                if (broker.Value.TryGetProperty("req", out var requests) && requests.ValueKind == JsonValueKind.Object)
                {
                    fetchRequests += Long(requests, "Fetch");
                }
                if (broker.Value.TryGetProperty("rtt", out var rtt) && rtt.ValueKind == JsonValueKind.Object)
                {
                    rttAverage = Math.Max(rttAverage, Long(rtt, "avg"));
                }
            }
        }

        var lags = new List<PartitionLag>();
        var fetchStates = new List<PartitionFetchState>();
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
                        fetchStates.Add(new PartitionFetchState(topic.Name, (int)id, Long(partition.Value, "hi_offset", -1),
                            Long(partition.Value, "next_offset", -1), Long(partition.Value, "app_offset", -1),
                            Long(partition.Value, "fetchq_cnt"), Long(partition.Value, "fetchq_size")));
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
            Long(root, "replyq"), anyBrokerUp, lags)
        {
            Partitions = fetchStates,
            FetchRequests = fetchRequests,
            RttAverageMicros = rttAverage,
        };
    }

    private static long Long(JsonElement element, string property, long fallback = 0) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : fallback;
}

internal readonly record struct PartitionLag(string Topic, int Partition, long Lag);

/// <summary>
/// One consumed partition in librdkafka's statistics: <c>HighWatermark − NextOffset</c> frames are still in the broker
/// (not fetched yet), <c>NextOffset − AppOffset</c> are prefetched in the client's queue (<c>FetchQueueMessages</c>,
/// <c>FetchQueueBytes</c>) waiting for the application.
/// </summary>
public sealed record PartitionFetchState(string Topic, int Partition, long HighWatermark, long NextOffset, long AppOffset,
    long FetchQueueMessages, long FetchQueueBytes);

/// <summary>A consumer's fetching as its latest librdkafka statistics describe it.</summary>
public sealed record ConsumerFetchState(long FetchRequests, double RttAverageMs, IReadOnlyList<PartitionFetchState> Partitions);
