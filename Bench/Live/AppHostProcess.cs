using System.Globalization;

namespace AspirePipeline.Bench.Live;

/// <summary>
/// The AppHost started as <c>./run.sh</c> starts it (<c>dotnet run --project AppHost --no-build --launch-profile http</c>,
/// here in the benchmark's own build configuration), with the services its orchestrator starts. Aspire's DCP runs
/// apart from the AppHost (<c>dcp start-apiserver --monitor &lt;AppHost pid&gt;</c>, re-parented to init) and starts
/// every resource under it, each project through a <c>dotnet run</c> of its own: the services are found there, by the
/// configuration the AppHost handed them in their environment. Stopping asks the AppHost to shut down (SIGTERM, as
/// Ctrl+C does) and then checks that every process of the tree is gone.
/// </summary>
internal sealed class AppHostProcess : IAsyncDisposable
{
    private const string StartedLine = "Distributed application started";
    private const int OutputLinesKept = 200;
    private static readonly TimeSpan FindTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LeftoverTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _dotnetRun;
    private bool _stopped;

    private AppHostProcess(ChildProcess dotnetRun, int pid, int dcpPid)
    {
        _dotnetRun = dotnetRun;
        Pid = pid;
        DcpPid = dcpPid;
    }

    /// <summary>The AppHost's process (the child of <c>dotnet run</c>).</summary>
    public int Pid { get; }

    /// <summary>The orchestrator's API server that monitors the AppHost; every resource runs under it.</summary>
    public int DcpPid { get; }

    /// <summary>The AppHost's last output lines (its own log and its resources' failures), for error messages.</summary>
    public string Output => _dotnetRun.OutputTail;

    /// <summary>The command line the AppHost is started with, as the report shows it.</summary>
    public static string CommandLine(string configuration) =>
        $"dotnet run --project AppHost --no-build -c {configuration} --launch-profile http";

    /// <summary>
    /// Starts the AppHost with <paramref name="arguments"/> and returns once it says the application started (every
    /// resource launched; not necessarily healthy yet).
    /// </summary>
    /// <exception cref="InvalidOperationException">It exited first, or its orchestrator could not be found.</exception>
    /// <exception cref="TimeoutException">It did not start within <paramref name="timeout"/>.</exception>
    public static async Task<AppHostProcess> StartAsync(string repoRoot, string configuration, IEnumerable<string> arguments,
        TimeSpan timeout)
    {
        var appHostDll = Path.Combine(repoRoot, "AppHost", "bin", configuration, "net10.0", "AspirePipeline.AppHost.dll");
        if (!File.Exists(appHostDll))
        {
            throw new FileNotFoundException(
                $"The AppHost is not built in {configuration} ({appHostDll} is missing): run dotnet build AspirePipeline.sln -c {configuration}.",
                appHostDll);
        }
        if (Running() is { Count: > 0 } others)
        {
            throw new InvalidOperationException(
                $"Another AppHost is running ({string.Join("; ", others)}): its dashboard and resources would take the same ports. "
                + "Stop it (Ctrl+C where it runs), or wait until it ends, then run the benchmark again.");
        }
        var dotnetRun = ChildProcess.Start("apphost", "dotnet",
            ["run", "--project", Path.Combine(repoRoot, "AppHost"), "--no-build", "-c", configuration, "--launch-profile", "http", "--",
                .. arguments],
            workingDirectory: repoRoot, outputLinesKept: OutputLinesKept);
        try
        {
            await dotnetRun.WaitForLineAsync(line => line.Contains(StartedLine, StringComparison.Ordinal), timeout,
                $"'{StartedLine}' (the AppHost's resources launched)");
            var pid = await FindAsync(() => ProcTable.Descendants(dotnetRun.Pid).Where(IsAppHost).Select(p => (int?)p).FirstOrDefault(),
                "the AppHost process under dotnet run", dotnetRun);
            var dcp = await FindAsync(() => DcpMonitoring(pid), $"DCP's API server monitoring the AppHost ({pid})", dotnetRun);
            return new AppHostProcess(dotnetRun, pid, dcp);
        }
        catch
        {
            // Shut down what did start as Ctrl+C would (the orchestrator then stops the resources), before the tree is killed.
            if (ProcTable.Descendants(dotnetRun.Pid).Where(IsAppHost).Select(p => (int?)p).FirstOrDefault() is { } started
                && ProcTable.Terminate(started))
            {
                try
                {
                    await dotnetRun.WaitForExitAsync(ExitTimeout);
                }
                catch (TimeoutException)
                {
                    // Killed below.
                }
            }
            await dotnetRun.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The services under the orchestrator whose environment <paramref name="match"/> accepts: the processes
    /// themselves, not the <c>dotnet run</c> that starts each (it carries the same environment, and runs alone until
    /// the service has started).
    /// </summary>
    public IReadOnlyList<ServiceInstance> Services(Func<IReadOnlyDictionary<string, string>, bool> match) => [.. ProcTable.Descendants(DcpPid)
        .Where(pid => !IsDotnetRun(pid))
        .Select(pid => (Pid: pid, Environment: ProcTable.Environment(pid)))
        .Where(process => process.Environment is not null && match(process.Environment))
        .Select(process => new ServiceInstance(process.Pid, process.Environment!))];

    /// <summary>Whether any process under the orchestrator has an environment <paramref name="match"/> accepts.</summary>
    public bool AnyProcess(Func<IReadOnlyDictionary<string, string>, bool> match) =>
        ProcTable.Descendants(DcpPid).Any(pid => ProcTable.Environment(pid) is { } environment && match(environment));

    /// <summary>
    /// Asks the AppHost to shut down (SIGTERM), waits for it and then for every process it and its orchestrator ran;
    /// kills whatever is still there after the deadlines. Returns what had to be killed (empty: a clean stop).
    /// </summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        if (_stopped)
        {
            return [];
        }
        _stopped = true;
        var tree = new[] { _dotnetRun.Pid, Pid, DcpPid }.Concat(ProcTable.Descendants(DcpPid)).Distinct()
            .Select(ProcTable.See).OfType<ProcTable.Seen>().ToList();
        ProcTable.Terminate(Pid);
        var problems = new List<string>();
        try
        {
            await _dotnetRun.WaitForExitAsync(ExitTimeout);
        }
        catch (TimeoutException)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"the AppHost did not exit within {ExitTimeout.TotalSeconds:0} s of SIGTERM"));
        }
        try
        {
            await Poll.UntilAsync(() => tree.All(process => !process.IsRunning), LeftoverTimeout, () => "the AppHost's processes to end");
        }
        catch (TimeoutException)
        {
            foreach (var process in tree.Where(process => process.IsRunning))
            {
                problems.Add($"killed {process}, still running {LeftoverTimeout.TotalSeconds:0} s after the AppHost stopped");
                ProcTable.Kill(process.Pid);
            }
        }
        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _dotnetRun.DisposeAsync();
    }

    /// <summary>AppHosts and orchestrators running now, this repository's or another checkout's.</summary>
    private static List<ProcTable.Seen> Running() => [.. ProcTable.Parents().Keys
        .Where(pid => IsAppHost(pid) || ProcTable.Arguments(pid) is [var program, "start-apiserver", ..] && Path.GetFileName(program) == "dcp")
        .Select(ProcTable.See).OfType<ProcTable.Seen>()];

    private static bool IsDotnetRun(int pid) =>
        ProcTable.Arguments(pid) is [var program, "run", ..] && Path.GetFileName(program) == "dotnet";

    // The apphost executable, or dotnet with the AppHost's assembly.
    private static bool IsAppHost(int pid) => ProcTable.Arguments(pid).Take(2)
        .Any(argument => Path.GetFileName(argument) is "AspirePipeline.AppHost" or "AspirePipeline.AppHost.dll");

    private static int? DcpMonitoring(int appHostPid)
    {
        var monitored = appHostPid.ToString(CultureInfo.InvariantCulture);
        foreach (var (pid, _) in ProcTable.Parents())
        {
            var arguments = ProcTable.Arguments(pid);
            if (arguments.Count > 1 && Path.GetFileName(arguments[0]) == "dcp" && arguments[1] == "start-apiserver"
                && arguments.Zip(arguments.Skip(1)).Any(pair => pair.First == "--monitor" && pair.Second == monitored))
            {
                return pid;
            }
        }
        return null;
    }

    private static async Task<int> FindAsync(Func<int?> find, string what, ChildProcess dotnetRun)
    {
        int? found = null;
        await Poll.UntilAsync(() => (found = find()) is not null, FindTimeout,
            () => $"{what} was not found. The AppHost's output:\n{dotnetRun.OutputTail}", TimeSpan.FromMilliseconds(250));
        return found!.Value;
    }
}

/// <summary>One service process the AppHost's orchestrator runs, with the environment it was given.</summary>
internal sealed record ServiceInstance(int Pid, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Where it serves HTTP (<c>/health</c>, <c>/stats</c>): the first of <c>ASPNETCORE_URLS</c>, Aspire's setting.</summary>
    public Uri? BaseAddress => Environment.GetValueOrDefault("ASPNETCORE_URLS")?.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(url => Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) ? uri : null).FirstOrDefault(uri => uri is not null);

    /// <summary>Its resource name in the AppHost (<c>OTEL_SERVICE_NAME</c>, which Aspire sets to it).</summary>
    public string Name => Environment.GetValueOrDefault("OTEL_SERVICE_NAME") ?? $"process {Pid}";
}
