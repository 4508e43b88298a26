using System.Globalization;

namespace AspirePipeline.NetworkLab;

/// <summary>One command of <c>--script</c>, run <see cref="At"/> after the lab is up.</summary>
internal sealed record ScriptStep(TimeSpan At, string Command)
{
    /// <summary>When what it starts is over: a timed cut's heal, else the step itself.</summary>
    public TimeSpan Ends => At + (FaultCommand.Parse(Command) is { Seconds: { } seconds } ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero);
}

/// <summary>What the lab starts and how long it runs, from the command line; a bad option throws <see cref="ArgumentException"/>.</summary>
internal sealed record LabOptions
{
    public const string Usage = """
        usage: scripts/network-lab.sh [--analysis-hosts N] [--cameras N] [--partitions N] [--summary-every S]
                                      [--script "COMMAND at S; ..."] [--duration S]
          --analysis-hosts N  analysis hosts, one Consumer each, all in one group (2)
          --cameras N         cameras the producer reads, all from the one simulator (4)
          --partitions N      partitions of the frames topic: at most this many analysis hosts share the work (4)
          --summary-every S   seconds between the per-host summaries (5)
          --script "..."      commands to run unattended, each 'at' seconds after the lab is up, e.g.
                              "cut analysis-1 15 at 20; lose analysis-2 10 at 45; heal analysis-2 at 55"
          --duration S        stop S seconds after the lab is up (default with --script: 30 s after its last step
                              is over; without either, the lab runs until quit, Ctrl+C or the end of stdin)
        commands (typed, or in --script):
        """ + "\n" + FaultCommand.Usage;

    private const int MaxAnalysisHosts = 8;
    private const int MaxCameras = 16;
    private static readonly TimeSpan AfterScript = TimeSpan.FromSeconds(30);

    public int AnalysisHosts { get; init; } = 2;

    public int Cameras { get; init; } = 4;

    public int Partitions { get; init; } = 4;

    public TimeSpan SummaryEvery { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<ScriptStep> Script { get; init; } = [];

    /// <summary>How long the lab runs once up; null: until quit, Ctrl+C or the end of stdin.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The analysis hosts' names: <c>analysis-1</c>, <c>analysis-2</c>, ...</summary>
    public IReadOnlyList<string> AnalysisHostNames =>
        [.. Enumerable.Range(1, AnalysisHosts).Select(n => string.Create(CultureInfo.InvariantCulture, $"analysis-{n}"))];

    public static LabOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LabOptions();
        for (var at = 0; at < args.Count; at += 2)
        {
            var name = args[at];
            var value = at + 1 < args.Count ? args[at + 1] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--analysis-hosts" => options with { AnalysisHosts = Count(name, value, MaxAnalysisHosts) },
                "--cameras" => options with { Cameras = Count(name, value, MaxCameras) },
                "--partitions" => options with { Partitions = Count(name, value, int.MaxValue) },
                "--summary-every" => options with { SummaryEvery = Seconds(name, value) },
                "--script" => options with { Script = ParseScript(value) },
                "--duration" => options with { Duration = Seconds(name, value) },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        var hosts = FixedHosts.Concat(options.AnalysisHostNames).ToList();
        foreach (var step in options.Script)
        {
            if (FaultCommand.Parse(step.Command)!.Host is { } host && !hosts.Contains(host))
            {
                throw new ArgumentException($"--script: no host '{host}' (hosts: {string.Join(", ", hosts)}).");
            }
        }
        var scriptEnds = options.Script.Count == 0 ? (TimeSpan?)null : options.Script.Max(step => step.Ends);
        if (options.Duration is { } given && scriptEnds > given)
        {
            throw new ArgumentException($"--duration {given.TotalSeconds:0} ends before the script does ({scriptEnds.Value.TotalSeconds:0} s).");
        }
        return options.Duration is null && scriptEnds is { } ends ? options with { Duration = ends + AfterScript } : options;
    }

    /// <summary>The hosts every lab has, before the analysis hosts.</summary>
    public static IReadOnlyList<string> FixedHosts { get; } = ["broker", "camera", "producer"];

    private static List<ScriptStep> ParseScript(string script)
    {
        var steps = new List<ScriptStep>();
        foreach (var part in script.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 3 || words[^2] != "at")
            {
                throw new ArgumentException($"--script: '{part}' is not 'COMMAND at SECONDS'.");
            }
            var command = string.Join(' ', words[..^2]);
            var parsed = FaultCommand.Parse(command);
            if (parsed is null || parsed.Error is not null || parsed.Verb is FaultCommand.Quit or FaultCommand.Hosts or FaultCommand.Help)
            {
                throw new ArgumentException($"--script: '{command}' is not a fault command ({parsed?.Error ?? "cut, heal or lose"}).");
            }
            steps.Add(new ScriptStep(Seconds("--script", words[^1]), command));
        }
        return [.. steps.OrderBy(step => step.At)];
    }

    private static int Count(string name, string text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max
            ? value
            : throw new ArgumentException($"{name} must be a whole number from 1 to {max}, not '{text}'.");

    private static TimeSpan Seconds(string name, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException($"{name}: '{text}' is not a number of seconds.");
}
