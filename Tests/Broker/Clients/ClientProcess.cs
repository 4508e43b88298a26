namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>Runs a real client program (kcat, python3, node) to completion, with a deadline, capturing its output.</summary>
internal static class ClientProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        /// <summary>Throws with the client's own output when it failed, so a failing test says what the client saw.</summary>
        public Result EnsureSuccess(string what)
        {
            if (ExitCode != 0)
            {
                throw new InvalidOperationException($"{what} exited with {ExitCode}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
            }

            return this;
        }
    }

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var argumentList = arguments.ToList();
        // stdin is closed even when there is nothing to write: a client reading it sees the end, not a hang. All of
        // a client's output is kept: tests parse it.
        await using var process = ChildProcess.Start(fileName, fileName, argumentList, environment,
            standardInput: standardInput ?? "", outputLinesKept: int.MaxValue);
        try
        {
            var exitCode = await process.WaitForExitAsync(timeout);
            return new Result(exitCode, process.StandardOutput, process.StandardError);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"{fileName} {string.Join(' ', argumentList)} did not finish within {timeout}.\nstdout:\n{process.StandardOutput}\nstderr:\n{process.StandardError}");
        }
    }
}

/// <summary>Paths of the repository the tests run from.</summary>
internal static class RepositoryPaths
{
    public static string Root => RepoLayout.Root;

    public static string Clients => Path.Combine(Root, "Tests", "Clients");
}
