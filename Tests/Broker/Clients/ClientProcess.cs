namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>Runs a real client program (kcat, python3, node) to completion, with a deadline, capturing its output.</summary>
internal static class ClientProcess
{
    public static Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        ChildProcess.RunAsync(fileName, arguments, timeout, standardInput, environment);
}

/// <summary>Paths of the repository the tests run from.</summary>
internal static class RepositoryPaths
{
    public static string Root => RepoLayout.Root;

    public static string Clients => Path.Combine(Root, "Tests", "Clients");
}
