using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AspirePipeline.Broker.Telemetry;

/// <summary>
/// The broker's meter and activity source (both named <see cref="Name"/>). The lowest layer: storage and topics report
/// to it, and the topics' gauges are observed on its meter by <c>Topics.TopicGauges</c>, so it depends on neither.
/// </summary>
internal sealed class BrokerMetrics
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

    public BrokerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _requests = meter.CreateCounter<long>("broker.requests", "{request}", "Requests handled, by API.");
        _bytesIn = meter.CreateCounter<long>("broker.bytes.in", "By", "Request bytes read from clients.");
        _bytesOut = meter.CreateCounter<long>("broker.bytes.out", "By", "Response bytes written to clients.");
        _connections = meter.CreateUpDownCounter<long>("broker.connections", "{connection}", "Open client connections.");
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
}
