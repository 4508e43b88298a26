using System.Globalization;
using System.Text;
using AspirePipeline.Bench.Pipeline;

namespace AspirePipeline.Bench.Live;

/// <summary>
/// <c>Bench people-live</c>, issue #25's measurement: on the default topology, started as <c>./run.sh</c> starts it, the
/// people group's analysed frame rate of the footage camera and the CPU its process uses, against the issue's targets
/// (5 fps or more, at most a quarter of a core). Each run starts the AppHost afresh; medians of the runs are reported.
/// </summary>
internal static class PeopleLiveBenchmark
{
    public const string Section = "people-live";
    public const string Command = "dotnet run --project Bench -c Release -- people-live";

    /// <summary>Issue #25: the people group analyses the footage camera at this rate or more ...</summary>
    public const double TargetFps = 5;

    /// <summary>... and uses at most this much of a core.</summary>
    public const double TargetCores = 0.25;

    private const string Heading =
        "## People group on the default topology: CPU and rate\n\n"
            + "Reproduce: `" + Command + " --runs 3 --seconds 60` (a quiet machine: nothing else running; about 2 minutes a run)\n\n"
            + "Issue #25's targets: on the default topology (`./run.sh`) the people group analyses the footage camera at 5 fps or "
            + "more and uses at most 0.25 of a core. Each run starts the AppHost afresh as `./run.sh` does (its Release build, "
            + "`--launch-profile http`, a new broker data directory), finds the people group's process among those Aspire's "
            + "orchestrator started (by the analyzer and group id the AppHost hands it) and, once the group analyses frames "
            + "steadily, reads over a window its process's CPU (`/proc/PID/stat`, user + system, every thread: detection, "
            + "decode, the Kafka client, GC, the live view) and its `/stats` counters; latency (capture to analysed) comes "
            + "from the group's records on the results topic. The AppHost is then stopped (SIGTERM, as Ctrl+C) and every "
            + "process it ran must end.\n\n";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var arguments = PeopleLiveArguments.Parse(args);
        var group = PeopleGroup.FromAppHost(arguments.RepoRoot);
        var dataRoot = Path.Combine(arguments.RepoRoot, ".data", "bench");
        Directory.CreateDirectory(dataRoot);
        var machine = MachineInfo.Describe(dataRoot);
        Progress($"machine: {machine}");
        Progress($"group: {group}");

        var runs = new List<PeopleLiveRunResult>();
        for (var run = 1; run <= arguments.Runs; run++)
        {
            Progress(Invariant($"run {run}/{arguments.Runs}: starting the AppHost"));
            var result = await PeopleLiveRun.RunAsync(arguments.RepoRoot, group, arguments.Window, arguments.Warmup, Progress);
            runs.Add(result);
            Progress(Invariant($"run {run}: {result.AnalysedFps:F2} fps analysed, {result.Cores:F3} cores, ")
                + Invariant($"{result.CpuMsPerFrame:F1} CPU ms per analysed frame, latency p50 {Ms(result.LatencyP50Ms)} ms, ")
                + Invariant($"footage {Fps(result.FootageFps)} fps, stopped {(result.StopProblems.Count == 0 ? "cleanly" : "with kills")}"));
        }

        var markdown = Render(CommandLine(arguments), machine, group, arguments, runs);
        Console.WriteLine(markdown);
        if (arguments.Output is not null)
        {
            MarkdownSection.Write(arguments.Output, Section, Heading, markdown);
            Progress($"written to {arguments.Output}");
        }
        return 0;
    }

    /// <summary>A run meets the rate when it analysed at least <see cref="TargetFps"/> × its window's seconds, less one frame.</summary>
    public static bool MeetsRate(PeopleLiveRunResult run) => run.Group.Analysed >= TargetFps * run.WindowSeconds - 1;

    public static bool MeetsCores(PeopleLiveRunResult run) => run.Cores <= TargetCores;

    private static string CommandLine(PeopleLiveArguments arguments) => Invariant(
        $"{Command} --runs {arguments.Runs} --seconds {arguments.Window.TotalSeconds:0} --warmup {arguments.Warmup.TotalSeconds:0}");

    private static string Render(string command, string machine, PeopleGroup group, PeopleLiveArguments arguments,
        IReadOnlyList<PeopleLiveRunResult> runs)
    {
        var builder = new StringBuilder();
        builder.AppendLine(Invariant($"Command: `{command}` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)  "));
        builder.AppendLine(Invariant($"Machine: {machine}; load average at the end: {LoadAverage()}  "));
        builder.Append(Invariant($"Topology: `AppHost/appsettings.json` started by `{AppHostProcess.CommandLine(RepoLayout.Configuration)}"))
            .Append(Invariant($" -- --Kafka:DataDir=<new>`; Kafka: {string.Join(", ", runs.Select(r => r.Kafka).Distinct())}; "))
            .Append(Invariant($"group {group}"))
            .Append(group.Cameras.Count == 1 ? Invariant($", camera `{group.Cameras[0]}` as `Cameras:{group.Cameras[0]}` sets it") : "")
            .Append(Invariant($". Each run: {arguments.Warmup.TotalSeconds:0} s after the group's first analysed frame and once it "))
            .Append(Invariant($"analysed frames and skipped none in each of {PeopleLiveRun.SteadyPolls} seconds running, "))
            .Append(Invariant($"a {arguments.Window.TotalSeconds:0} s "))
            .AppendLine(Invariant($"window; {(runs.Count == 1 ? "one run" : Invariant($"medians of {runs.Count} runs"))}."));
        builder.AppendLine();
        builder.AppendLine("| run | analysed fps | **cores** (CPU s ÷ wall s) | **CPU ms per analysed frame** | of which in its stages "
            + "(decode, detect, report) | latency p50 / p99 ms | skipped (skip-to-newest) per s | footage camera fps (published) "
            + Invariant($"| machine busy, cores | ≥ {TargetFps:0} fps | ≤ {TargetCores:0.00} core |"));
        builder.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        for (var index = 0; index < runs.Count; index++)
        {
            var run = runs[index];
            builder.AppendLine(Invariant($"| {index + 1} | {run.AnalysedFps:F2} | {run.Cores:F3} | {run.CpuMsPerFrame:F1} | ")
                + Invariant($"{run.StageMsPerFrame:F1} | {Ms(run.LatencyP50Ms)} / {Ms(run.LatencyP99Ms)} | {run.SkippedPerSecond:F2} | ")
                + Invariant($"{Fps(run.FootageFps)} | {run.MachineBusyCores:F2} | {YesNo(MeetsRate(run))} | {YesNo(MeetsCores(run))} |"));
        }
        builder.AppendLine(Invariant($"| **median** | **{Median(runs, r => r.AnalysedFps):F2}** | **{Median(runs, r => r.Cores):F3}** | ")
            + Invariant($"**{Median(runs, r => r.CpuMsPerFrame):F1}** | {Median(runs, r => r.StageMsPerFrame):F1} | ")
            + Invariant($"{Ms(MedianOf(runs, r => r.LatencyP50Ms))} / {Ms(MedianOf(runs, r => r.LatencyP99Ms))} | ")
            + Invariant($"{Median(runs, r => r.SkippedPerSecond):F2} | {Fps(MedianOf(runs, r => r.FootageFps))} | ")
            + Invariant($"{Median(runs, r => r.MachineBusyCores):F2} | | |"));
        builder.AppendLine();
        builder.AppendLine(Invariant($"**Targets (issue #25)**: at least {TargetFps:0} fps analysed: ")
            + Invariant($"met in {runs.Count(MeetsRate)} of {runs.Count} runs; ")
            + Invariant($"at most {TargetCores:0.00} of a core: met in {runs.Count(MeetsCores)} of {runs.Count} runs."));
        builder.AppendLine();
        builder.AppendLine(Invariant($"- A run meets the rate when its window holds at least {TargetFps:0} × its seconds analysed frames, less one ")
            + "(the group takes at most that many frames a second by capture time, so where the two readings fall can cost one).");
        if (runs.Any(run => !run.Settled))
        {
            builder.AppendLine(Invariant($"- Still skipping frames when the window started (it could not keep up): run ")
                + string.Join(", ", runs.Select((run, index) => (run, index)).Where(pair => !pair.run.Settled).Select(pair => pair.index + 1)) + ".");
        }
        builder.AppendLine(Invariant($"- Frames the group passed over undecoded, per second (medians): other cameras' ")
            + Invariant($"{Median(runs, r => r.Group.OtherCamera / r.WindowSeconds):F1}, left out by its rate ")
            + Invariant($"{Median(runs, r => r.Group.SampledOut / r.WindowSeconds):F1}; missing frames in the windows: ")
            + Invariant($"{string.Join(", ", runs.Select(r => r.Group.Missing))}. Latency: capture to analysed, from the group's results ")
            + Invariant($"({string.Join(", ", runs.Select(r => r.LatenciesMs.Count))} records)."));
        builder.AppendLine(Invariant($"- This benchmark's own CPU in the windows (it reads `/stats` every 5 s and the results topic): ")
            + Invariant($"{Median(runs, r => r.BenchCores):F3} cores. Machine busy is every process's CPU (`/proc/stat`) over the window."));
        var problems = runs.SelectMany((run, index) => run.StopProblems.Select(problem => Invariant($"run {index + 1}: {problem}"))).ToList();
        builder.AppendLine(problems.Count == 0
            ? "- Every run's AppHost stopped cleanly: all the processes it and its orchestrator ran ended by themselves."
            : $"- Not every stop was clean: {string.Join("; ", problems)}.");
        return builder.ToString();
    }

    private static double Median(IEnumerable<PeopleLiveRunResult> runs, Func<PeopleLiveRunResult, double> value) =>
        Statistics.Median(runs.Select(value));

    private static double? MedianOf(IEnumerable<PeopleLiveRunResult> runs, Func<PeopleLiveRunResult, double?> value)
    {
        var values = runs.Select(value).OfType<double>().ToList();
        return values.Count == 0 ? null : Statistics.Median(values);
    }

    private static string Ms(double? value) => value is { } ms ? ms.ToString("F0", CultureInfo.InvariantCulture) : "n/a";

    private static string Fps(double? value) => value is { } fps ? fps.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    private static string YesNo(bool met) => met ? "yes" : "**no**";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] [people-live] {message}");
}
