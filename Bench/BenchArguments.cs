namespace AspirePipeline.Bench;

internal sealed record BenchArguments(int Runs, int Megabytes, string? Output, string RepoRoot)
{
    public static BenchArguments Parse(IEnumerable<string> args)
    {
        var options = new CommandLine([.. args]);
        var root = RepoLayout.Root;
        return new BenchArguments(
            options.Int("--runs", 3),
            options.Int("--megabytes", 256),
            options.Value("--output") ?? Path.Combine(root, "docs", "benchmarks.md"),
            root);
    }
}
