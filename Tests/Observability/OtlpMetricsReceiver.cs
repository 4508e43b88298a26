using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;

namespace AspirePipeline.Tests.Observability;

/// <summary>
/// An OTLP/HTTP (protobuf) metrics endpoint the tests start: the services export their metrics here exactly as they
/// would to a collector (the dashboard's telemetry API has no metrics), and the tests read what arrived. Only the
/// parts of <c>ExportMetricsServiceRequest</c> the assertions need are decoded: resource service name, scope (meter),
/// metric name and unit, and the data points of sums, gauges and histograms with their attributes.
/// </summary>
public sealed class OtlpMetricsReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private readonly ConcurrentQueue<MetricPoint> _points = new();
    private long _requests;
    private string? _lastError;

    /// <summary>Listens on <paramref name="address"/> (loopback unless given: a test network's observer address).</summary>
    public OtlpMetricsReceiver(string address = "127.0.0.1")
    {
        var port = FreePort(IPAddress.Parse(address));
        Endpoint = $"http://{address}:{port}/v1/metrics";
        _listener.Prefixes.Add($"http://{address}:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The full URL for <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>.</summary>
    public string Endpoint { get; }

    public long Requests => Interlocked.Read(ref _requests);

    public IReadOnlyCollection<MetricPoint> Points => _points.ToArray();

    /// <summary>The points of one metric sent by one resource (service.name), in arrival order.</summary>
    public IReadOnlyList<MetricPoint> Find(string service, string meter, string metric) =>
        _points.Where(p => p.Service == service && p.Meter == meter && p.Name == metric).ToList();

    /// <summary>One line per resource and meter with its metric names, for assertion messages.</summary>
    public string Describe() =>
        $"{Requests} export requests{(_lastError is null ? "" : $", last decode error: {_lastError}")}\n" + string.Join('\n', _points
            .GroupBy(p => (p.Service, p.Meter))
            .OrderBy(g => g.Key.Service).ThenBy(g => g.Key.Meter)
            .Select(g => $"{g.Key.Service} / {g.Key.Meter}: {string.Join(", ", g.Select(p => p.Name).Distinct().Order())}"));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/metrics")
                {
                    Decode(body.ToArray());
                    Interlocked.Increment(ref _requests);
                }
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            catch (InvalidProtocolBufferException exception)
            {
                _lastError = exception.Message;
                context.Response.StatusCode = 400;
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Decode(byte[] request)
    {
        // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
        foreach (var (field, resourceMetrics) in Messages(request))
        {
            if (field != 1)
            {
                continue;
            }
            // ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
            var service = "";
            var scopes = new List<byte[]>();
            foreach (var (f, value) in Messages(resourceMetrics))
            {
                if (f == 1)
                {
                    service = Attributes(value, attributesField: 1).GetValueOrDefault("service.name") ?? "";
                }
                else if (f == 2)
                {
                    scopes.Add(value);
                }
            }
            foreach (var scopeMetrics in scopes)
            {
                DecodeScope(service, scopeMetrics);
            }
        }
    }

    private void DecodeScope(string service, byte[] scopeMetrics)
    {
        // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
        var meter = "";
        var metrics = new List<byte[]>();
        foreach (var (f, value) in Messages(scopeMetrics))
        {
            if (f == 1)
            {
                meter = Strings(value).GetValueOrDefault(1) ?? "";
            }
            else if (f == 2)
            {
                metrics.Add(value);
            }
        }
        foreach (var metric in metrics)
        {
            // Metric { string name = 1; string unit = 3; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
            var strings = Strings(metric);
            var name = strings.GetValueOrDefault(1) ?? "";
            var unit = strings.GetValueOrDefault(3) ?? "";
            foreach (var (f, data) in Messages(metric))
            {
                var kind = f switch { 5 => MetricKind.Gauge, 7 => MetricKind.Sum, 9 => MetricKind.Histogram, _ => (MetricKind?)null };
                if (kind is null)
                {
                    continue;
                }
                // Gauge / Sum / Histogram { repeated <DataPoint> data_points = 1; }
                foreach (var (pf, point) in Messages(data))
                {
                    if (pf == 1)
                    {
                        _points.Enqueue(kind == MetricKind.Histogram
                            ? HistogramPoint(service, meter, name, unit, point)
                            : NumberPoint(service, meter, name, unit, kind.Value, point));
                    }
                }
            }
        }
    }

    private static MetricPoint NumberPoint(string service, string meter, string name, string unit, MetricKind kind, byte[] point)
    {
        // NumberDataPoint { fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
        double value = 0;
        var input = new CodedInputStream(point);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 4:
                    value = input.ReadDouble();
                    break;
                case 6:
                    value = input.ReadSFixed64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new MetricPoint(service, meter, name, unit, kind, value, 0, Attributes(point, attributesField: 7));
    }

    private static MetricPoint HistogramPoint(string service, string meter, string name, string unit, byte[] point)
    {
        // HistogramDataPoint { fixed64 count = 4; optional double sum = 5; repeated KeyValue attributes = 9; }
        ulong count = 0;
        double sum = 0;
        var input = new CodedInputStream(point);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 4:
                    count = input.ReadFixed64();
                    break;
                case 5:
                    sum = input.ReadDouble();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new MetricPoint(service, meter, name, unit, MetricKind.Histogram, sum, (long)count, Attributes(point, attributesField: 9));
    }

    /// <summary>KeyValue { string key = 1; AnyValue value = 2; } with AnyValue's string, bool, int and double cases as text.</summary>
    private static Dictionary<string, string> Attributes(byte[] message, int attributesField)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var (f, keyValue) in Messages(message))
        {
            if (f != attributesField)
            {
                continue;
            }
            var key = Strings(keyValue).GetValueOrDefault(1) ?? "";
            var text = Messages(keyValue).Where(kv => kv.Field == 2).Select(kv => AnyValueText(kv.Value)).FirstOrDefault() ?? "";
            attributes[key] = text;
        }
        return attributes;
    }

    private static string AnyValueText(byte[] anyValue)
    {
        var input = new CodedInputStream(anyValue);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    return input.ReadString();
                case 2:
                    return input.ReadBool() ? "true" : "false";
                case 3:
                    return input.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4:
                    return input.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return "";
    }

    /// <summary>The length-delimited fields of a message (sub-messages, strings, bytes) with their field numbers.</summary>
    private static List<(int Field, byte[] Value)> Messages(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fields.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes().ToByteArray()));
            }
            else
            {
                input.SkipLastField();
            }
        }
        return fields;
    }

    private static Dictionary<int, string> Strings(byte[] message)
    {
        var strings = new Dictionary<int, string>();
        foreach (var (field, value) in Messages(message))
        {
            strings.TryAdd(field, System.Text.Encoding.UTF8.GetString(value));
        }
        return strings;
    }

    private static int FreePort(IPAddress address)
    {
        using var socket = new TcpListener(address, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

public enum MetricKind
{
    Gauge,
    Sum,
    Histogram,
}

/// <summary>
/// One exported data point: <see cref="Value"/> is a sum's or gauge's value, or a histogram's sum of recorded values
/// (with <see cref="Count"/> recordings).
/// </summary>
public sealed record MetricPoint(
    string Service, string Meter, string Name, string Unit, MetricKind Kind, double Value, long Count,
    IReadOnlyDictionary<string, string> Attributes);
