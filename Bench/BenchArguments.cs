namespace AspirePipeline.Bench;

internal sealed record BenchArguments(int Runs, int Megabytes, string? Output, string RepoRoot)
{
    public static BenchArguments Parse(IEnumerable<string> args)
    {
        var list = args.ToList();
        string? Value(string name)
        {
            var at = list.IndexOf(name);
            return at >= 0 && at + 1 < list.Count ? list[at + 1] : null;
        }

        var root = RepoLayout.Root;
        return new BenchArguments(
            int.Parse(Value("--runs") ?? "3"),
            int.Parse(Value("--megabytes") ?? "256"),
            Value("--output") ?? Path.Combine(root, "docs", "benchmarks.md"),
            root);
    }
}
