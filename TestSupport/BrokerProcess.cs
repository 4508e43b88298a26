using System.Globalization;
using AspirePipeline.Contracts;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.TestSupport;

/// <summary>How to start a <see cref="BrokerProcess"/>.</summary>
public sealed record BrokerProcessOptions
{
    /// <summary>Keep everything in memory (<c>--in-memory</c>). When false, <see cref="DataDir"/> or a temp dir is used.</summary>
    public bool InMemory { get; init; } = true;

    /// <summary>Data directory for a durable broker; null (and not in-memory) = a fresh temp dir deleted on dispose.</summary>
    public string? DataDir { get; init; }

    /// <summary>0 = a free port chosen by the broker (restarts reuse the port it got).</summary>
    public int Port { get; init; }

    /// <summary>More CLI switches, e.g. <c>["--message-max-bytes", "3000000"]</c>.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Extra environment variables (e.g. <c>Broker__DefaultPartitions</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The broker's working directory, its host's content root; null = this process's. The benchmarks give it the
    /// DLL's folder, as the AppHost does: a content root that holds the data directory wakes the host's configuration
    /// watcher on every write.
    /// </summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// The test network's host to run in (null: this machine's own network): the broker then listens on the host's
    /// address and advertises it, and <see cref="BrokerProcess.BootstrapServers"/> is that address.
    /// </summary>
    public NetworkHost? Host { get; init; }

    /// <summary>How long the broker may take to print its start-up line.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The real broker executable (AspirePipeline.Broker.dll run with <c>dotnet</c>) as a child process: started on port 0,
/// ready once it printed <see cref="BrokerContract.ListeningLine"/>, killed on dispose. Also SIGKILL (<see cref="Kill"/>), SIGTERM
/// (<see cref="StopAsync"/>) and <see cref="RestartAsync"/> on the same port and data dir, for durability tests.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private const int MaxLogLines = 2000;
    private readonly BrokerProcessOptions _options;
    private readonly bool _ownsDataDir;
    private ChildProcess? _process;

    private BrokerProcess(BrokerProcessOptions options)
    {
        _options = options;
        Port = options.Port;
        if (!options.InMemory)
        {
            _ownsDataDir = options.DataDir is null;
            DataDir = options.DataDir ?? Directory.CreateTempSubdirectory("aspirepipeline-broker-").FullName;
        }
    }

    public int Port { get; private set; }

    public string BootstrapServers => $"{_options.Host?.Address ?? "127.0.0.1"}:{Port}";

    public string? DataDir { get; }

    public int ProcessId => _process?.Pid ?? throw new InvalidOperationException("The broker is not running.");

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>What the broker printed (stdout and stderr, last lines) since it last started, for assertion messages.</summary>
    public string Output => _process?.OutputTail ?? "";

    /// <summary>The broker DLL built next to the solution (same configuration as the tests), else the copy in the test output.</summary>
    public static string BrokerDllPath
    {
        get
        {
            if (RepoLayout.TryFindRoot() is { } root)
            {
                try
                {
                    return RepoLayout.ProjectDll(root, "Broker");
                }
                catch (FileNotFoundException)
                {
                    // The copy the project reference put next to the tests, below.
                }
            }

            var copied = Path.Combine(AppContext.BaseDirectory, "AspirePipeline.Broker.dll");
            return File.Exists(copied)
                ? copied
                : throw new FileNotFoundException("AspirePipeline.Broker.dll not found: build the solution first (dotnet build AspirePipeline.sln).");
        }
    }

    public static async Task<BrokerProcess> StartAsync(BrokerProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        var broker = new BrokerProcess(options ?? new BrokerProcessOptions());
        try
        {
            await broker.LaunchAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        List<string> arguments = [BrokerDllPath, "--port", Port.ToString(CultureInfo.InvariantCulture)];
        if (DataDir is null)
        {
            arguments.Add("--in-memory");
        }
        else
        {
            arguments.AddRange(["--data-dir", DataDir]);
        }
        arguments.AddRange(_options.ExtraArgs);

        // The broker exports telemetry when this is set; a test broker must not talk to whatever the runner has.
        var environment = new Dictionary<string, string>(_options.Environment);
        if (_options.Host is { } host)
        {
            environment[ServiceEnvironment.Broker.Host] = host.Address;
            environment[ServiceEnvironment.Broker.AdvertisedHost] = host.Address;
        }
        var (program, programArguments) = _options.Host?.Wrap("dotnet", arguments) ?? ("dotnet", arguments);
        _process = ChildProcess.Start("The broker", program, programArguments, environment, _options.WorkingDirectory,
            unsetEnvironment: ["OTEL_EXPORTER_OTLP_ENDPOINT"], outputLinesKept: MaxLogLines);
        try
        {
            var line = await _process.WaitForLineAsync(line => BrokerContract.TryParseListeningLine(line, out _, out _),
                _options.StartTimeout, $"'{BrokerContract.ListeningPrefix.Trim()}'").WaitAsync(cancellationToken);
            BrokerContract.TryParseListeningLine(line, out _, out var port);
            Port = port;
        }
        catch (TimeoutException)
        {
            Kill();
            throw;
        }
    }

    /// <summary>
    /// The first output line (already printed or still to come) matching <paramref name="match"/>; throws a
    /// <see cref="TimeoutException"/> with the output so far if none appears in time. Log records span two lines
    /// (category, then message), so match on the message line.
    /// </summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException("The broker was never started."))
            .WaitForLineAsync(match, timeout, "the awaited output");

    /// <summary>
    /// The running broker's kept output lines, then each new one, handed to <paramref name="onLine"/> until the handle is
    /// disposed (a restarted broker is a new process: follow it again).
    /// </summary>
    public IDisposable Follow(Action<string> onLine) =>
        (_process ?? throw new InvalidOperationException("The broker was never started.")).Follow(onLine);

    /// <summary>SIGKILL, as a crash would: nothing is flushed or closed by the broker. Waits until it is gone.</summary>
    public void Kill() => _process?.Kill();

    /// <summary>SIGTERM (graceful shutdown); returns the exit code, or throws if it does not exit within the timeout.</summary>
    public Task<int> StopAsync(TimeSpan? timeout = null) =>
        (_process ?? throw new InvalidOperationException("The broker was never started."))
            .TerminateAsync(timeout ?? TimeSpan.FromSeconds(15));

    /// <summary>Kills the broker (SIGKILL) if it runs, then starts it again on the same port and data directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
        await LaunchAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        if (_ownsDataDir && DataDir is not null && Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
