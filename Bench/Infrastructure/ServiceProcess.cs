using System.Net.Http.Json;
using System.Text.Json;

namespace AspirePipeline.Bench.Infrastructure;

/// <summary>
/// One of the pipeline's services (Producer, Consumer, Consumer2) run from its build as production runs it
/// (<c>dotnet AspirePipeline.X.dll</c>), on a free loopback port; ready once Kestrel says where it listens.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private const string ListeningMarker = "Now listening on: ";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly ChildProcess _process;

    private ServiceProcess(ChildProcess process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public string Name => _process.Name;

    public int Pid => _process.Pid;

    public Uri BaseAddress { get; }

    public string OutputTail => _process.OutputTail;

    public static async Task<ServiceProcess> StartAsync(string repoRoot, string project, string name,
        IReadOnlyDictionary<string, string> configuration)
    {
        var environment = new Dictionary<string, string>(configuration)
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Kestrel's "Now listening" line is how the benchmark learns the port.
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        var dll = RepoLayout.ProjectDll(repoRoot, project);
        var process = ChildProcess.Start(name, "dotnet", [dll], environment, Path.GetDirectoryName(dll));
        try
        {
            var line = await process.WaitForLineAsync(l => l.Contains(ListeningMarker, StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), "its HTTP endpoint");
            var address = line[(line.IndexOf(ListeningMarker, StringComparison.Ordinal) + ListeningMarker.Length)..].Trim();
            return new ServiceProcess(process, new Uri(address));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The service's <c>/stats</c> JSON.</summary>
    public async Task<JsonElement> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await Http.GetFromJsonAsync<JsonElement>(new Uri(BaseAddress, "/stats"), cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            throw new InvalidOperationException(
                $"{Name} did not answer /stats ({exception.Message}){(_process.HasExited ? "; it has exited" : "")}. Its last output:\n{OutputTail}",
                exception);
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
