using System.Text.RegularExpressions;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.TestSupport;

/// <summary>
/// One of the pipeline's services (Producer, Consumer, Consumer2) run as its own process from its build output
/// (<c>dotnet AspirePipeline.X.dll</c>) on a free loopback port, with settings as environment variables the way
/// Aspire passes them. Its HTTP address is the one Kestrel prints (<see cref="ListeningAsync"/>); SIGKILL
/// (<see cref="Kill"/>) simulates a crash.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    // Enough for a soak run's output to be searched by WaitForOutputAsync.
    private const int MaxLines = 4000;
    private readonly ChildProcess _process;

    private ServiceProcess(string project, ChildProcess process)
    {
        Project = project;
        _process = process;
    }

    /// <summary>The project the service was built from.</summary>
    public string Project { get; }

    /// <summary>The name its output lines and errors carry.</summary>
    public string Name => _process.Name;

    /// <summary>Its process id.</summary>
    public int Pid => _process.Pid;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines it printed, for assertion and error messages.</summary>
    public string Output => _process.OutputTail;

    /// <summary>
    /// Starts <c>&lt;Project&gt;/bin/&lt;config&gt;/net10.0/AspirePipeline.&lt;Project&gt;.dll</c> in Production, on
    /// <c>http://127.0.0.1:0</c>, with <paramref name="environment"/> over those defaults; inside <paramref name="host"/>
    /// when given (a test network's host, whose loopback it then listens on).
    /// </summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment, string? name = null,
        NetworkHost? host = null)
    {
        var dll = RepoLayout.ProjectDll(RepoLayout.Root, project);
        var settings = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            // Kestrel's "Now listening on" line is how the launcher learns the port.
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        foreach (var (key, value) in environment)
        {
            settings[key] = value;
        }

        // The content root is the build folder, so the service's own appsettings.json applies as it does when Aspire
        // starts it. Telemetry export would reach whatever collector the runner has; launchers read stdout instead.
        var (program, arguments) = host?.Wrap("dotnet", [dll]) ?? ("dotnet", [dll]);
        return new ServiceProcess(project, ChildProcess.Start(name ?? project, program, arguments, settings, Path.GetDirectoryName(dll),
            unsetEnvironment: ["OTEL_EXPORTER_OTLP_ENDPOINT"], outputLinesKept: MaxLines));
    }

    /// <summary>Starts the service and waits until it listens; <see cref="BaseAddress"/> is then set.</summary>
    public static async Task<ServiceProcess> StartListeningAsync(string project, string name, IReadOnlyDictionary<string, string> environment,
        TimeSpan? timeout = null, NetworkHost? host = null)
    {
        var service = Start(project, environment, name, host);
        try
        {
            await service.ListeningAsync(timeout ?? TimeSpan.FromSeconds(60));
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Where it listens, once <see cref="ListeningAsync"/> has returned.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException($"{Name} has not said where it listens yet.");

    private Uri? _baseAddress;

    /// <summary>The HTTP address Kestrel printed (<c>Now listening on:</c>).</summary>
    public async Task<Uri> ListeningAsync(TimeSpan timeout)
    {
        var line = await _process.WaitForLineAsync(line => ListeningLine().IsMatch(line), timeout, "'Now listening on'");
        return _baseAddress = new Uri(ListeningLine().Match(line).Groups[1].Value);
    }

    /// <summary>The first output line (already printed or to come) matching; fails with the output after the timeout.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout) =>
        _process.WaitForLineAsync(match, timeout, "the awaited output");

    /// <summary>Its kept output lines, then each new one, handed to <paramref name="onLine"/> until the handle is disposed.</summary>
    public IDisposable Follow(Action<string> onLine) => _process.Follow(onLine);

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>SIGKILL: nothing is flushed, closed or committed, as in a crash.</summary>
    public void Kill() => _process.Kill();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
