using System.Diagnostics.Metrics;
using AspirePipeline.Broker.Telemetry;

namespace AspirePipeline.Broker.Topics;

/// <summary>The topics' gauges on the broker's meter: partitions led, log end offsets and sizes, read when collected.</summary>
internal static class TopicGauges
{
    /// <summary>Observes <paramref name="topics"/> on <paramref name="metrics"/>' meter.</summary>
    public static void Register(BrokerMetrics metrics, TopicRegistry topics)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge(
            "broker.partitions", () => CountPartitions(topics), "{partition}", "Partitions this node leads.");
        meter.CreateObservableGauge(
            "broker.log.end_offset", () => EndOffsets(topics), "{offset}", "Log end offset per topic partition.");
        meter.CreateObservableGauge(
            "broker.log.size", () => TopicSizes(topics), "By", "Bytes held per topic (all partitions).");
    }

    private static IEnumerable<Measurement<long>> TopicSizes(TopicRegistry topics)
    {
        foreach (var topic in topics.Snapshot())
        {
            long size = 0;
            foreach (var partition in topic.Partitions)
            {
                size += partition.Log.SizeInBytes;
            }

            yield return new Measurement<long>(size, new KeyValuePair<string, object?>("topic", topic.Name));
        }
    }

    private static int CountPartitions(TopicRegistry topics)
    {
        var count = 0;
        foreach (var topic in topics.Snapshot())
        {
            count += topic.Partitions.Length;
        }

        return count;
    }

    private static IEnumerable<Measurement<long>> EndOffsets(TopicRegistry topics)
    {
        foreach (var topic in topics.Snapshot())
        {
            foreach (var partition in topic.Partitions)
            {
                yield return new Measurement<long>(
                    partition.Log.LogEndOffset,
                    new KeyValuePair<string, object?>("topic", topic.Name),
                    new KeyValuePair<string, object?>("partition", partition.Index));
            }
        }
    }
}
