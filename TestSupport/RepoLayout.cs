namespace AspirePipeline.TestSupport;

/// <summary>
/// The repository checkout the tests and benchmarks run from (found by walking up to <c>AspirePipeline.sln</c>), and
/// where the builds of its projects are: next to the running binary's, in the same configuration.
/// </summary>
public static class RepoLayout
{
    private const string SolutionFile = "AspirePipeline.sln";

    private static readonly Lazy<string?> FoundRoot = new(() => FindRoot(AppContext.BaseDirectory));

    /// <summary>The repository root (the directory holding <c>AspirePipeline.sln</c>) above the running binary.</summary>
    /// <exception cref="InvalidOperationException">The binary does not run from inside a repository checkout.</exception>
    public static string Root => FoundRoot.Value ?? throw new InvalidOperationException(
        $"No {SolutionFile} above {AppContext.BaseDirectory}: run the tests and benchmarks from the repository checkout.");

    /// <summary>The repository root, or null when the running binary is not inside a checkout.</summary>
    public static string? TryFindRoot() => FoundRoot.Value;

    /// <summary><c>Release</c> or <c>Debug</c>: the configuration the running binary was built in (bin/&lt;Configuration&gt;/net10.0/).</summary>
    public static string Configuration =>
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!;

    /// <summary>
    /// The built entry assembly of project <paramref name="project"/> (e.g. <c>Producer</c>), built in the same
    /// configuration as the running binary: the pipeline's services run from their own build output as in production.
    /// </summary>
    /// <exception cref="FileNotFoundException">That project was not built in this configuration.</exception>
    public static string ProjectDll(string repoRoot, string project)
    {
        var dll = Path.Combine(repoRoot, project, "bin", Configuration, "net10.0", $"AspirePipeline.{project}.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException(
                $"{project} build not found at {dll}; " +
                $"build the solution in {Configuration} first (dotnet build {SolutionFile} -c {Configuration}).", dll);
    }

    private static string? FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
