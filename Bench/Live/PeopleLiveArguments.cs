namespace AspirePipeline.Bench.Live;

/// <summary>Options of <c>Bench people-live</c>.</summary>
internal sealed record PeopleLiveArguments(int Runs, TimeSpan Window, TimeSpan Warmup, string? Output, string RepoRoot)
{
    public const string Usage = "people-live [--runs 3] [--seconds 60] [--warmup 15] [--output FILE]";

    public static PeopleLiveArguments Parse(IReadOnlyList<string> args)
    {
        var common = BenchArguments.Parse(args);
        var options = new CommandLine(args);
        return new PeopleLiveArguments(common.Runs, TimeSpan.FromSeconds(options.Int("--seconds", 60)),
            TimeSpan.FromSeconds(options.Int("--warmup", 15)), common.Output, common.RepoRoot);
    }
}
