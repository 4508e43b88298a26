using System.Net.Http.Json;
using System.Text.Json;

namespace AspirePipeline.Bench.Live;

/// <summary>The <c>/stats</c> JSON of a service the AppHost runs, at the address the AppHost gave it.</summary>
internal static class LiveStatsClient
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The JSON, or null when the service does not answer (yet).</summary>
    public static async Task<JsonElement?> TryGetAsync(ServiceInstance service)
    {
        try
        {
            return await GetAsync(service);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The JSON; a clear error naming the service and its address when it does not answer.</summary>
    /// <exception cref="InvalidOperationException">No address, no answer, or not JSON.</exception>
    public static async Task<JsonElement> GetAsync(ServiceInstance service)
    {
        var address = service.BaseAddress ?? throw new InvalidOperationException(
            $"{service.Name} (process {service.Pid}) has no ASPNETCORE_URLS in its environment: the AppHost gave it no HTTP endpoint.");
        var url = new Uri(address, "/stats");
        try
        {
            return await Http.GetFromJsonAsync<JsonElement>(url);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
        {
            throw new InvalidOperationException(
                $"{service.Name} (process {service.Pid}) did not answer {url} ({exception.Message})"
                + (ProcTable.See(service.Pid) is null ? "; the process has exited." : "."), exception);
        }
    }
}

/// <summary>A consumer group process's cumulative figures from its <c>/stats</c>.</summary>
internal readonly record struct GroupFigures(long Analysed, long Skipped, long SampledOut, long OtherCamera, long Missing, long Lag,
    double StageCpuMs)
{
    public static GroupFigures Parse(JsonElement json)
    {
        var stats = json.GetProperty("stats");
        long Count(string name) => stats.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
        var stageCpu = json.TryGetProperty("stages", out var stages)
            ? stages.EnumerateArray().Sum(stage => stage.GetProperty("cpuMs").GetDouble())
            : 0;
        return new GroupFigures(Count("framesProcessed"), Count("skippedFrames"), Count("sampledOutFrames"), Count("otherCameraFrames"),
            Count("missingFrames"), Count("lag"), stageCpu);
    }

    public static GroupFigures operator +(GroupFigures one, GroupFigures other) => new(one.Analysed + other.Analysed,
        one.Skipped + other.Skipped, one.SampledOut + other.SampledOut, one.OtherCamera + other.OtherCamera,
        one.Missing + other.Missing, one.Lag + other.Lag, one.StageCpuMs + other.StageCpuMs);

    /// <summary>What happened between two readings (the lag is the later one's).</summary>
    public static GroupFigures operator -(GroupFigures end, GroupFigures start) => new(end.Analysed - start.Analysed,
        end.Skipped - start.Skipped, end.SampledOut - start.SampledOut, end.OtherCamera - start.OtherCamera,
        end.Missing - start.Missing, end.Lag, end.StageCpuMs - start.StageCpuMs);
}

/// <summary>The producer's <c>/stats</c>: frames it published of one camera so far, or null when it does not read it.</summary>
internal static class ProducerCameraFigures
{
    public static long? Published(JsonElement json, string camera) => json.GetProperty("cameras").EnumerateArray()
        .Where(entry => entry.GetProperty("id").GetString() == camera)
        .Select(entry => (long?)entry.GetProperty("published").GetInt64())
        .FirstOrDefault();
}
