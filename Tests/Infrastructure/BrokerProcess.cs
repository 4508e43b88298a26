using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace AspirePipeline.Tests.Infrastructure;

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

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The real broker executable (AspirePipeline.Broker.dll run with <c>dotnet</c>) as a child process: started on port 0,
/// ready once it printed <c>listening on host:port</c>, killed on dispose. Also SIGKILL (<see cref="Kill"/>), SIGTERM
/// (<see cref="StopAsync"/>) and <see cref="RestartAsync"/> on the same port and data dir, for durability tests.
/// </summary>
public sealed partial class BrokerProcess : IAsyncDisposable
{
    private const int MaxLogLines = 2000;
    private readonly BrokerProcessOptions _options;
    private readonly bool _ownsDataDir;
    private readonly Queue<string> _log = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _outputWaiters = [];
    private Process? _process;

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

    public string BootstrapServers => $"127.0.0.1:{Port}";

    public string? DataDir { get; }

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The broker is not running.");

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>What the broker printed (stdout and stderr, last lines), for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>The broker DLL built next to the solution (same configuration as the tests).</summary>
    public static string BrokerDllPath
    {
        get
        {
            var baseDir = AppContext.BaseDirectory;
            var configuration = new DirectoryInfo(baseDir).Parent?.Name ?? "Debug";
            for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AspirePipeline.sln")))
                {
                    var built = Path.Combine(dir.FullName, "Broker", "bin", configuration, "net10.0", "AspirePipeline.Broker.dll");
                    if (File.Exists(built))
                    {
                        return built;
                    }

                    break;
                }
            }

            var copied = Path.Combine(baseDir, "AspirePipeline.Broker.dll");
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
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BrokerDllPath);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (DataDir is null)
        {
            start.ArgumentList.Add("--in-memory");
        }
        else
        {
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(DataDir);
        }

        foreach (var arg in _options.ExtraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        // The broker exports telemetry when this is set; a test broker must not talk to whatever the runner has.
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (name, value) in _options.Environment)
        {
            start.Environment[name] = value;
        }

        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Remember(e.Data);
            var match = ListeningLine().Match(e.Data);
            if (match.Success)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Remember(e.Data);
            }
        };
        process.Exited += (_, _) => listening.TrySetException(
            new InvalidOperationException($"The broker exited before listening.\n{Output}"));

        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Port = await listening.Task.WaitAsync(_options.StartTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"The broker did not print 'listening on' within {_options.StartTimeout}.\n{Output}");
        }
    }

    private void Remember(string line)
    {
        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > MaxLogLines)
            {
                _log.Dequeue();
            }

            for (var i = _outputWaiters.Count - 1; i >= 0; i--)
            {
                if (_outputWaiters[i].Match(line))
                {
                    _outputWaiters[i].Found.TrySetResult(line);
                    _outputWaiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// The first output line (already printed or still to come) matching <paramref name="match"/>; throws a
    /// <see cref="TimeoutException"/> with the output so far if none appears in time. Log records span two lines
    /// (category, then message), so match on the message line.
    /// </summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_log)
        {
            foreach (var line in _log)
            {
                if (match(line))
                {
                    return line;
                }
            }

            _outputWaiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching broker output within {timeout}.\n{Output}");
        }
    }

    /// <summary>SIGKILL, as a crash would: nothing is flushed or closed by the broker. Waits until it is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM (graceful shutdown); returns the exit code, or throws if it does not exit within the timeout.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var process = _process ?? throw new InvalidOperationException("The broker was never started.");
        if (!process.HasExited)
        {
            _ = SendSignal(process.Id, Sigterm);
            using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(deadline.Token);
        }

        return process.ExitCode;
    }

    /// <summary>Kills the broker (SIGKILL) if it runs, then starts it again on the same port and data directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Kill();
        _process?.Dispose();
        _process = null;
        await LaunchAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        if (_process is not null)
        {
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            _process.Dispose();
        }

        if (_ownsDataDir && DataDir is not null && Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"^listening on .+:(\d+)$")]
    private static partial Regex ListeningLine();
}
