using System.Diagnostics;

namespace AspirePipeline.Bench;

/// <summary>Our broker as its own process, the Release build next to this benchmark's.</summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BrokerProcess(Process process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static async Task<BrokerProcess> StartAsync(string repoRoot, string dataDir)
    {
        // bin/<Configuration>/net10.0/: the broker was built in the same configuration by the project reference.
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!;
        var dll = Path.Combine(repoRoot, "Broker", "bin", configuration, "net10.0", "AspirePipeline.Broker.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Broker build not found at {dll}; build the solution in {configuration} first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Its own folder as content root: the repository would put .data/ under the host's configuration watcher.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var argument in new[] { dll, "--port", "0", "--data-dir", dataDir, "--message-max-bytes", (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the broker");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            const string marker = "listening on ";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return new BrokerProcess(process, line[(at + marker.Length)..].Trim());
            }
        }

        throw new InvalidOperationException($"broker exited with {process.ExitCode} before listening");
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
