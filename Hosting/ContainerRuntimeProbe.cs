using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Hosting;

/// <summary>
/// Answers "can this machine run containers right now?" by asking the container runtime's daemon, the way Aspire
/// itself will when it starts the first container. A runtime binary without a running daemon counts as unavailable.
/// </summary>
public static class ContainerRuntimeProbe
{
    /// <summary>Configuration key naming the runtime command (<c>docker</c>, <c>podman</c>); Aspire's own key.</summary>
    public const string RuntimeKey = "ASPIRE_CONTAINER_RUNTIME";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    // Several integrations ask during one AppHost build; the daemon's state does not change within it.
    private static readonly ConcurrentDictionary<string, bool> Results = new(StringComparer.Ordinal);

    /// <summary>The runtime command Aspire would use: configuration, then Aspire's legacy key, then docker.</summary>
    public static string RuntimeCommand(IConfiguration configuration) =>
        configuration[RuntimeKey] ?? configuration["DOTNET_" + RuntimeKey] ?? "docker";

    public static bool IsAvailable(IConfiguration configuration) =>
        Results.GetOrAdd(RuntimeCommand(configuration), static command => Probe(command));

    private static bool Probe(string command)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            // Drain both pipes so a chatty `info` cannot block on a full pipe before exiting.
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            Task.WaitAll([output, error], ProbeTimeout);
            return process.ExitCode == 0;
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // The runtime is not installed at all.
            return false;
        }
    }
}
