using System.Globalization;

namespace AspirePipeline.Bench;

/// <summary>Our broker as its own process, the build next to this benchmark's (same configuration).</summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private const string ListeningMarker = "listening on ";

    private readonly ChildProcess _process;

    private BrokerProcess(ChildProcess process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static async Task<BrokerProcess> StartAsync(string repoRoot, string dataDir)
    {
        var dll = RepoLayout.ProjectDll(repoRoot, "Broker");
        // Its own folder as content root: the repository would put .data/ under the host's configuration watcher.
        var process = ChildProcess.Start("broker", "dotnet",
            [dll, "--port", "0", "--data-dir", dataDir, "--message-max-bytes", (8 * 1024 * 1024).ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" }, Path.GetDirectoryName(dll));
        try
        {
            var line = await process.WaitForLineAsync(l => l.Contains(ListeningMarker, StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "'listening on'");
            return new BrokerProcess(process, line[(line.IndexOf(ListeningMarker, StringComparison.Ordinal) + ListeningMarker.Length)..].Trim());
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
