using System.Net;
using System.Text.Json;

namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// What a user would check on the running deployment, asked over HTTP at the containers' addresses on the project's
/// network (no host port is published but the dashboard's, on a port the engine picks): the services' <c>/health</c>
/// and <c>/stats</c> on 8080, a clip of the recording, the dashboard on 18888.
/// </summary>
internal sealed class ServiceProbes(ComposeProject project) : IDisposable
{
    private const int ServicePort = 8080;
    private const int DashboardPort = 18888;

    // As `curl -L --max-redirs 5 --max-time 5`; container addresses never go through a proxy.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5, UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary><paramref name="service"/>'s <c>/health</c> answers with status Healthy.</summary>
    public Task<Observation> HealthyAsync(string service) => ObserveAsync(async () =>
    {
        var (_, body) = await GetJsonAsync(service, "/health");
        using (body)
        {
            var healthy = body.RootElement.ValueKind == JsonValueKind.Object
                && body.RootElement.TryGetProperty("status", out var status) && status.ValueEquals("Healthy");
            return healthy ? Observation.Held : Observation.NotYet($"{service} /health: {JsonSerializer.Serialize(body.RootElement)}");
        }
    });

    /// <summary>The consumer <paramref name="service"/>'s running totals.</summary>
    /// <exception cref="ServiceNotReadyException">It does not answer, or not with the counters.</exception>
    public async Task<ConsumerCounters> CountersAsync(string service)
    {
        var (text, body) = await GetJsonAsync(service, "/stats");
        using (body)
        {
            var stats = Stats(body);
            long? Counter(string name) =>
                stats?.TryGetProperty(name, out var value) == true && value.TryGetInt64(out var number) ? number : null;
            var (processed, missing, repeated, poison) =
                (Counter("framesProcessed"), Counter("missingFrames"), Counter("repeatedFrames"), Counter("poisonMessages"));
            return processed is null || missing is null || repeated is null || poison is null
                ? throw new ServiceNotReadyException($"{service} /stats has no frame counters: {text}")
                : new ConsumerCounters(processed.Value, missing.Value, repeated.Value, poison.Value);
        }
    }

    /// <summary>Frames the producer reported as dropped (not acknowledged by Kafka, e.g. timed out while the broker restarts).</summary>
    /// <exception cref="ServiceNotReadyException">It does not answer, or not with its cameras.</exception>
    public async Task<long> ProducerDroppedAsync()
    {
        var (text, body) = await GetJsonAsync("producer", "/stats");
        using (body)
        {
            if (body.RootElement.ValueKind != JsonValueKind.Object
                || !body.RootElement.TryGetProperty("cameras", out var cameras) || cameras.ValueKind != JsonValueKind.Array)
            {
                throw new ServiceNotReadyException($"producer /stats has no cameras: {text}");
            }
            return cameras.EnumerateArray()
                .Sum(camera => camera.TryGetProperty("dropped", out var dropped) && dropped.TryGetInt64(out var count) ? count : 0);
        }
    }

    /// <summary>
    /// The consumer <paramref name="service"/> has processed at least <paramref name="minimum"/> frames, none missing
    /// from a camera's sequence, none dead-lettered and no more than <paramref name="maxRepeated"/> seen twice; those
    /// cannot recover, so they are <see cref="Observation.Lost"/>. Repeats are Kafka's at-least-once delivery: a group
    /// that rejoins after the broker restarts resumes at its last committed offset (auto-commit every 5 s), so the
    /// frames processed after that commit come again. With <paramref name="allowDropped"/> a gap may be as large as
    /// what the producer reported dropped (a restart that outlasts its message timeout drops frames, counted), but no
    /// acknowledged frame may be missing.
    /// </summary>
    public Task<Observation> ProcessedAtLeastAsync(string service, long minimum, long maxRepeated = 0, bool allowDropped = false) =>
        ObserveAsync(async () =>
        {
            var counters = await CountersAsync(service);
            var maxMissing = allowDropped ? await ProducerDroppedAsync() : 0;
            if (counters.Missing > maxMissing || counters.Repeated > maxRepeated || counters.DeadLettered > 0)
            {
                return Observation.Lost($"{service}: sequence not contiguous or frames dead-lettered: processed={counters.Processed} "
                    + $"missing={counters.Missing} (producer reported {maxMissing} dropped) repeated={counters.Repeated} "
                    + $"dead-lettered={counters.DeadLettered}");
            }
            return counters.Processed >= minimum
                ? Observation.Held
                : Observation.NotYet($"{service}: {counters.Processed} frames processed, waiting for {minimum}");
        });

    /// <summary>The people group has analysed at least <paramref name="minimum"/> frames, all of camera footage, none dead-lettered.</summary>
    public Task<Observation> PeopleAnalysedAtLeastAsync(long minimum) => ObserveAsync(async () =>
    {
        var (text, body) = await GetJsonAsync("people", "/stats");
        using (body)
        {
            var stats = Stats(body);
            long Counter(string name) =>
                stats?.TryGetProperty(name, out var value) == true && value.TryGetInt64(out var number) ? number : -1;
            var lastCamera = stats?.TryGetProperty("lastCamera", out var camera) == true ? camera.ToString() : null;
            if (Counter("framesProcessed") >= minimum && Counter("poisonMessages") == 0 && lastCamera == "footage")
            {
                return Observation.Held;
            }
            var seen = stats is null
                ? text
                : string.Join(", ", new[] { "framesProcessed", "skippedFrames", "otherCameraFrames", "poisonMessages", "lastCamera", "lastValue" }
                    .Select(name => $"{name}={(stats.Value.TryGetProperty(name, out var value) ? value.GetRawText() : "none")}"));
            return Observation.NotYet($"people: {seen}");
        }
    });

    /// <summary>The dashboard sends a browser without its token (BrowserToken) to the login page.</summary>
    public Task<Observation> DashboardAsksForLoginAsync() => ObserveAsync(async () =>
    {
        var address = await project.AddressOfAsync("aspire-dashboard");
        var (status, _, landed) = await GetAsync("dashboard", new Uri($"http://{address}:{DashboardPort}/structuredlogs"));
        return status == HttpStatusCode.OK && landed?.AbsolutePath.StartsWith("/login", StringComparison.Ordinal) == true
            ? Observation.Held
            : Observation.NotYet($"dashboard: a browser without the token ended at '{(int)status} {landed}', not the login page");
    });

    /// <summary>
    /// The clips service answers an MP4 (an <c>ftyp</c> box first) of <paramref name="camera"/>'s recording from 8 to 3
    /// seconds ago: the camera is recorded to frames.video and the clip is remuxed from it.
    /// </summary>
    public Task<Observation> RecentClipAsync(string camera) => ObserveAsync(async () =>
    {
        var address = await project.AddressOfAsync("clips");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var uri = new Uri($"http://{address}:{ServicePort}/clips/{camera}?from={now - 8000}&to={now - 3000}");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var isMp4 = response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "video/mp4"
                && body.Length > 8 && body.AsSpan(4, 4).SequenceEqual("ftyp"u8);
            return isMp4
                ? Observation.Held
                : Observation.NotYet($"clips {uri.PathAndQuery}: {(int)response.StatusCode} {response.Content.Headers.ContentType}, "
                    + $"{body.Length} bytes: {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            throw new ServiceNotReadyException($"clips {uri.PathAndQuery}: {exception.Message}");
        }
    });

    public void Dispose() => _http.Dispose();

    // A service that cannot be asked yet is not there yet: the wait goes on.
    private static async Task<Observation> ObserveAsync(Func<Task<Observation>> observe)
    {
        try
        {
            return await observe();
        }
        catch (ServiceNotReadyException notReady)
        {
            return Observation.NotYet(notReady.Message);
        }
    }

    private static JsonElement? Stats(JsonDocument body) =>
        body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("stats", out var stats)
            && stats.ValueKind == JsonValueKind.Object
            ? stats
            : null;

    /// <summary>The body of <paramref name="path"/> on <paramref name="service"/>, whatever the status code (a 503 health report too).</summary>
    private async Task<(string Text, JsonDocument Body)> GetJsonAsync(string service, string path)
    {
        var address = await project.AddressOfAsync(service);
        var (status, text, _) = await GetAsync(service, new Uri($"http://{address}:{ServicePort}{path}"));
        try
        {
            return (text, JsonDocument.Parse(text));
        }
        catch (JsonException)
        {
            throw new ServiceNotReadyException($"{service} {path}: {(int)status} {text}");
        }
    }

    /// <summary>The status, body and final address (after redirects) of a GET of <paramref name="uri"/>.</summary>
    private async Task<(HttpStatusCode Status, string Text, Uri? Landed)> GetAsync(string service, Uri uri)
    {
        try
        {
            using var response = await _http.GetAsync(uri);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.RequestMessage?.RequestUri);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            throw new ServiceNotReadyException($"{service} {uri.AbsolutePath}: {exception.Message}");
        }
    }
}
