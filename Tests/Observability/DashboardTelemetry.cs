using System.Globalization;
using System.Text.Json;

namespace AspirePipeline.Tests.Observability;

/// <summary>One span as the dashboard's telemetry API returns it (OTLP JSON flattened with its resource and scope).</summary>
public sealed record DashboardSpan(
    string Service, string Scope, string TraceId, string SpanId, string? ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>OTLP span kinds.</summary>
    public const int ProducerKind = 4;
    public const int ConsumerKind = 5;
}

/// <summary>
/// Reads what the Aspire dashboard received over OTLP through its telemetry HTTP API (<c>/api/telemetry/...</c>),
/// with the API key the test AppHost was given (<see cref="TelemetryCapture.DashboardApiKey"/>); null sends none.
/// </summary>
public sealed class DashboardTelemetry : IDisposable
{
    private readonly HttpClient _http;

    public DashboardTelemetry(string dashboardUrl, string? apiKey = null)
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(dashboardUrl),
            Timeout = TimeSpan.FromSeconds(20),
        };
        if (apiKey is not null)
        {
            _http.DefaultRequestHeaders.Add(TelemetryCapture.ApiKeyHeader, apiKey);
        }
    }

    /// <summary>The status the telemetry API answers <c>GET /api/telemetry/resources</c> with.</summary>
    public async Task<int> ResourcesStatusAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("api/telemetry/resources", cancellationToken);
        return (int)response.StatusCode;
    }

    /// <summary>Resource names the dashboard has telemetry from.</summary>
    public async Task<IReadOnlyList<string>> ResourcesAsync(CancellationToken cancellationToken)
    {
        using var document = await GetAsync("api/telemetry/resources", cancellationToken);
        return document.RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString() ?? "").ToList();
    }

    /// <summary>Ids of the latest traces a resource took part in.</summary>
    public async Task<IReadOnlyList<string>> TraceIdsAsync(string resource, int limit, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"api/telemetry/traces?resource={Uri.EscapeDataString(resource)}&limit={limit}", cancellationToken);
        return Spans(document).Select(s => s.TraceId).Distinct().ToList();
    }

    /// <summary>Every span of one trace.</summary>
    public async Task<IReadOnlyList<DashboardSpan>> TraceAsync(string traceId, CancellationToken cancellationToken)
    {
        using var document = await GetAsync($"api/telemetry/traces/{Uri.EscapeDataString(traceId)}", cancellationToken);
        return Spans(document);
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonDocument> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {_http.BaseAddress}{path} answered {(int)response.StatusCode}: {body}");
        }
        return JsonDocument.Parse(body);
    }

    private static List<DashboardSpan> Spans(JsonDocument document)
    {
        var spans = new List<DashboardSpan>();
        if (!document.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            return spans;
        }
        foreach (var resource in resourceSpans.EnumerateArray())
        {
            var service = Attributes(resource.GetProperty("resource")).GetValueOrDefault("service.name") ?? "";
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.GetProperty("scope").GetProperty("name").GetString() ?? "";
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans.Add(new DashboardSpan(
                        service, scopeName,
                        span.GetProperty("traceId").GetString() ?? "",
                        span.GetProperty("spanId").GetString() ?? "",
                        span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
                        span.GetProperty("name").GetString() ?? "",
                        span.TryGetProperty("kind", out var kind) ? kind.GetInt32() : 0,
                        Attributes(span)));
                }
            }
        }
        return spans;
    }

    private static Dictionary<string, string> Attributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>();
        if (!owner.TryGetProperty("attributes", out var list))
        {
            return attributes;
        }
        foreach (var attribute in list.EnumerateArray())
        {
            var value = attribute.GetProperty("value");
            var text = value.EnumerateObject().Select(p => p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString() ?? "",
                JsonValueKind.Number => p.Value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => p.Value.GetRawText(),
            }).FirstOrDefault() ?? "";
            attributes[attribute.GetProperty("key").GetString() ?? ""] = text;
        }
        return attributes;
    }

    /// <summary>Parses an attribute the API renders as text.</summary>
    public static long Long(IReadOnlyDictionary<string, string> attributes, string key) =>
        attributes.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new Xunit.Sdk.XunitException(
                $"attribute {key} missing or not a number: {string.Join(", ", attributes.Select(a => $"{a.Key}={a.Value}"))}");
}
