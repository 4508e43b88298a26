namespace AspirePipeline.Bench.Infrastructure;

/// <summary>Where the builds of the pipeline's projects are: next to this benchmark's, in the same configuration.</summary>
internal static class RepoLayout
{
    /// <summary><c>Release</c> or <c>Debug</c>: the configuration this benchmark binary was built in (bin/&lt;Configuration&gt;/net10.0/).</summary>
    public static string Configuration =>
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!;

    /// <summary>The built entry assembly of project <paramref name="project"/> (e.g. <c>Producer</c>).</summary>
    public static string ProjectDll(string repoRoot, string project)
    {
        var dll = Path.Combine(repoRoot, project, "bin", Configuration, "net10.0", $"AspirePipeline.{project}.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException(
                $"{project} build not found at {dll}; run the benchmark with `dotnet run --project Bench -c {Configuration}`, which builds it.");
    }
}
