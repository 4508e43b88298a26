using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Telemetry;

/// <summary>The broker's meter and activity source (both named <see cref="Name"/>).</summary>
public sealed class BrokerMetrics
{
    public const string Name = "AspirePipeline.Broker";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _requests;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _storageErrors;
    private readonly Counter<long> _segmentsDeleted;
    private readonly Counter<long> _bytesDeleted;

    public BrokerMetrics(IMeterFactory meterFactory, TopicRegistry topics)
    {
        var meter = meterFactory.Create(Name);
        _requests = meter.CreateCounter<long>("broker.requests", "{request}", "Requests handled, by API.");
        _bytesIn = meter.CreateCounter<long>("broker.bytes.in", "By", "Request bytes read from clients.");
        _bytesOut = meter.CreateCounter<long>("broker.bytes.out", "By", "Response bytes written to clients.");
        _connections = meter.CreateUpDownCounter<long>("broker.connections", "{connection}", "Open client connections.");
        meter.CreateObservableGauge(
            "broker.partitions", () => CountPartitions(topics), "{partition}", "Partitions this node leads.");
        meter.CreateObservableGauge(
            "broker.log.end_offset", () => EndOffsets(topics), "{offset}", "Log end offset per topic partition.");
        meter.CreateObservableGauge(
            "broker.log.size", () => TopicSizes(topics), "By", "Bytes held per topic (all partitions).");
        _storageErrors = meter.CreateCounter<long>(
            "broker.storage.errors", "{error}", "Writes to the data directory that failed (a full disk, an I/O error).");
        _segmentsDeleted = meter.CreateCounter<long>(
            "broker.log.retention.segments_deleted", "{segment}", "Segments deleted by retention, by topic.");
        _bytesDeleted = meter.CreateCounter<long>(
            "broker.log.retention.bytes_deleted", "By", "Bytes deleted by retention, by topic.");
    }

    public Meter Meter => _requests.Meter;

    public void RequestHandled(string api) => _requests.Add(1, new KeyValuePair<string, object?>("api", api));

    public void BytesIn(long bytes) => _bytesIn.Add(bytes);

    public void BytesOut(long bytes) => _bytesOut.Add(bytes);

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    public void StorageError() => _storageErrors.Add(1);

    public void RetentionDeleted(string topic, int segments, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("topic", topic);
        _segmentsDeleted.Add(segments, tag);
        _bytesDeleted.Add(bytes, tag);
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
