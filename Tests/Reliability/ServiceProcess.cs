using System.Globalization;
using System.Text.RegularExpressions;

using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// One of the pipeline's services (Producer, Consumer, Consumer2) run as its own process from its build output
/// (<c>dotnet AspirePipeline.X.dll</c>), with settings as environment variables the way Aspire passes them. SIGKILL
/// (<see cref="Kill"/>) simulates a crash; <see cref="CpuTime"/>, <see cref="ResidentBytes"/> and
/// <see cref="OpenHandles"/> read /proc for the outage and soak measurements.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    // Enough for a soak run's output to be searched by WaitForOutputAsync.
    private const int MaxLines = 4000;
    private readonly ChildProcess _process;

    private ServiceProcess(string project, ChildProcess process)
    {
        Project = project;
        _process = process;
    }

    public string Project { get; }

    public int Id => _process.Pid;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => _process.OutputTail;

    /// <summary>Starts <c>&lt;Project&gt;/bin/&lt;config&gt;/net10.0/AspirePipeline.&lt;Project&gt;.dll</c>.</summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var dll = RepoLayout.ProjectDll(RepoLayout.Root, project);
        var settings = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        foreach (var (name, value) in environment)
        {
            settings[name] = value;
        }

        // The content root is the build folder, so the service's own appsettings.json applies as it does when Aspire
        // starts it. Telemetry export would reach whatever collector the runner has; the tests read stdout instead.
        return new ServiceProcess(project, ChildProcess.Start(project, "dotnet", [dll], settings, Path.GetDirectoryName(dll),
            unsetEnvironment: ["OTEL_EXPORTER_OTLP_ENDPOINT"], outputLinesKept: MaxLines));
    }

    /// <summary>A consumer group's service (<c>Consumer</c> or <c>Consumer2</c>) on the test's topics, as the AppHost configures it.</summary>
    public static ServiceProcess StartGroup(string project, string bootstrap, TestTopics topics, string groupId,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = bootstrap,
            ["Aspire__Confluent__Kafka__Consumer__Config__GroupId"] = groupId,
            ["FrameProcessing__Topic"] = topics.Frames,
            ["FrameProcessing__ResultsTopic"] = topics.Results,
            ["FrameProcessing__DeadLetterTopic"] = topics.DeadLetter,
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return Start(project, environment);
    }

    /// <summary>The Producer with <paramref name="cameras"/> synthetic 1280x720 cameras <c>cam-0</c>.. at <paramref name="fps"/>.</summary>
    public static ServiceProcess StartSyntheticProducer(string bootstrap, string topic, int cameras, int fps)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = bootstrap,
            ["Producer__Topic"] = topic,
        };
        for (var camera = 0; camera < cameras; camera++)
        {
            environment[$"Producer__Cameras__{camera}__Id"] = $"cam-{camera}";
            environment[$"Producer__Cameras__{camera}__Url"] = $"synthetic://?width=1280&height=720&fps={fps}";
        }
        return Start("Producer", environment);
    }

    /// <summary>The HTTP address Kestrel printed (<c>Now listening on:</c>).</summary>
    public async Task<Uri> ListeningAsync(TimeSpan timeout)
    {
        var line = await _process.WaitForLineAsync(line => ListeningLine().IsMatch(line), timeout, "'Now listening on'");
        return new Uri(ListeningLine().Match(line).Groups[1].Value);
    }

    /// <summary>The first output line (already printed or to come) matching; fails with the output after the timeout.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout) =>
        _process.WaitForLineAsync(match, timeout, "the awaited output");

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>SIGKILL: nothing is flushed, closed or committed, as in a crash.</summary>
    public void Kill() => _process.Kill();

    /// <summary>User + system CPU of the process and its reaped children (ffmpeg), from /proc/&lt;pid&gt;/stat.</summary>
    public TimeSpan CpuTime => ProcStat.CpuTime(Id);

    public long ResidentBytes => ProcStat.ResidentBytes(Id);

    public int OpenHandles => ProcStat.OpenHandles(Id);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

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
