using System.Net.Http.Json;
using System.Text.Json;

namespace AspirePipeline.Bench.Infrastructure;

/// <summary>A service's <c>/stats</c> JSON, read by the benchmarks between snapshots.</summary>
internal static class ServiceStats
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The service's <c>/stats</c> JSON; a clear error with its last output when it does not answer.</summary>
    public static async Task<JsonElement> GetStatsAsync(this ServiceProcess service, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Http.GetFromJsonAsync<JsonElement>(new Uri(service.BaseAddress, "/stats"), cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            throw new InvalidOperationException(
                $"{service.Name} did not answer /stats ({exception.Message}){(service.HasExited ? "; it has exited" : "")}. " +
                $"Its last output:\n{service.Output}",
                exception);
        }
    }
}
