using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// One of the pipeline's services (Producer, Consumer, Consumer2) run as its own process from its build output
/// (<c>dotnet AspirePipeline.X.dll</c>), with settings as environment variables the way Aspire passes them. SIGKILL
/// (<see cref="Kill"/>) simulates a crash; <see cref="CpuTime"/>, <see cref="ResidentBytes"/> and
/// <see cref="OpenHandles"/> read /proc for the outage and soak measurements.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int MaxLines = 4000;
    private readonly Queue<string> _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string project, IReadOnlyDictionary<string, string> environment)
    {
        Project = project;
        var dll = DllPath(project);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The content root, so the service's own appsettings.json applies as it does when Aspire starts it.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        // Telemetry export would reach whatever collector the runner has; the tests read stdout instead.
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(
            new InvalidOperationException($"{Project} exited (code {_process.ExitCode}) before listening.\n{Output}"));
    }

    public string Project { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts <c>&lt;Project&gt;/bin/&lt;config&gt;/net10.0/AspirePipeline.&lt;Project&gt;.dll</c>.</summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var service = new ServiceProcess(project, environment);
        service._process.Start();
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The HTTP address Kestrel printed (<c>Now listening on:</c>).</summary>
    public async Task<Uri> ListeningAsync(TimeSpan timeout)
    {
        try
        {
            return await _listening.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Project} did not print 'Now listening on' within {timeout}.\n{Output}");
        }
    }

    /// <summary>The first output line (already printed or to come) matching; fails with the output after the timeout.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            _waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching output from {Project} within {timeout}.\n{Output}");
        }
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Project} was still running after {timeout}.\n{Output}");
        }
        // The asynchronous readers may still hold the last lines; this overload waits for them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: nothing is flushed, closed or committed, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>User + system CPU of the process and its reaped children (ffmpeg), from /proc/&lt;pid&gt;/stat.</summary>
    public TimeSpan CpuTime => ProcStat.CpuTime(_process.Id);

    public long ResidentBytes => ProcStat.ResidentBytes(_process.Id);

    public int OpenHandles => ProcStat.OpenHandles(_process.Id);

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > MaxLines)
            {
                _output.Dequeue();
            }
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private static string DllPath(string project)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AspirePipeline.sln")))
            {
                var dll = Path.Combine(dir.FullName, project, "bin", configuration, "net10.0", $"AspirePipeline.{project}.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new FileNotFoundException($"{dll} not found: build the solution first (dotnet build AspirePipeline.sln).");
            }
        }
        throw new FileNotFoundException("AspirePipeline.sln not found above the test output directory.");
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}

/// <summary>Reads CPU time, resident memory and open descriptors of a process from Linux's /proc.</summary>
internal static class ProcStat
{
    // USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may contain spaces) start at field 3; utime is 14, cstime 17.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = Enumerable.Range(11, 4).Sum(index => long.Parse(fields[index], CultureInfo.InvariantCulture));
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>CPU time so far of each running child of <paramref name="parentPid"/>, by pid.</summary>
    public static Dictionary<int, TimeSpan> ChildrenCpuTimes(int parentPid)
    {
        var children = new Dictionary<int, TimeSpan>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parentPid)
                {
                    children[pid] = CpuTime(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while the list was read.
            }
        }
        return children;
    }

    /// <summary>
    /// CPU time a process used between two readings, its reaped children included: a child's whole life is added to
    /// the parent when it is reaped, so what reaped children had used before the first reading is taken off.
    /// </summary>
    public static TimeSpan CpuTimeSince(int pid, TimeSpan before, Dictionary<int, TimeSpan> childrenBefore)
    {
        var usedBeforeByReaped = childrenBefore.Where(child => !Directory.Exists($"/proc/{child.Key}"))
            .Aggregate(TimeSpan.Zero, (sum, child) => sum + child.Value);
        return CpuTime(pid) - before - usedBeforeByReaped;
    }

    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public static int OpenHandles(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
}
