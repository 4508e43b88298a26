using System.Text.RegularExpressions;

namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// podman as <c>scripts/container-engine.sh</c> prepares it: <c>setup</c> installs it and checks a compose network,
/// <c>env</c> prints the environment it needs here (CONTAINERS_CONF), <c>doctor</c> names the Debian packages of the
/// commands podman runs that are missing. Every command the test runs gets that environment, as the script's
/// <c>eval "$(scripts/container-engine.sh env)"</c> gave it to all.
/// </summary>
internal sealed partial class ContainerEngine
{
    // The first setup on a machine installs packages and makes the base image with debootstrap.
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private ContainerEngine(IReadOnlyDictionary<string, string> environment) => Environment = environment;

    /// <summary>The variables <c>container-engine.sh env</c> exports.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    private static string Script => Path.Combine(RepoLayout.Root, "scripts", "container-engine.sh");

    public static async Task<ContainerEngine> SetUpAsync()
    {
        (await ChildProcess.RunAsync(Script, ["setup"], SetupTimeout)).EnsureSuccess("scripts/container-engine.sh setup");
        var exports = (await ChildProcess.RunAsync(Script, ["env"], CommandTimeout)).EnsureSuccess("scripts/container-engine.sh env");
        return new ContainerEngine(await ReadExportsAsync(exports.StandardOutput));
    }

    /// <summary>Runs <paramref name="program"/> to completion in the engine's environment, from the repository root by default.</summary>
    public Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null) =>
        ChildProcess.RunAsync(program, arguments, timeout, environment: Environment, workingDirectory: workingDirectory ?? RepoLayout.Root);

    /// <summary>Runs podman; <see cref="ProcessResult.EnsureSuccess"/> is the caller's choice (a container may be gone).</summary>
    public Task<ProcessResult> PodmanAsync(params string[] arguments) => RunAsync("podman", arguments, CommandTimeout);

    /// <summary>What <c>container-engine.sh doctor</c> says is missing; empty when nothing is.</summary>
    public async Task<string> DoctorAsync()
    {
        var doctor = await RunAsync(Script, ["doctor"], CommandTimeout);
        return (doctor.StandardOutput + doctor.StandardError).Trim();
    }

    // `env` prints `export NAME=VALUE` lines with VALUE quoted for the shell (printf %q), so bash reads them back.
    private static async Task<IReadOnlyDictionary<string, string>> ReadExportsAsync(string exports)
    {
        var names = ExportLine().Matches(exports).Select(match => match.Groups["name"].Value).ToList();
        if (names.Count == 0)
        {
            throw new InvalidOperationException($"scripts/container-engine.sh env printed no 'export NAME=VALUE' line:\n{exports}");
        }
        const string PrintValues = "eval \"$1\" && shift && for name; do printf '%s\\0' \"${!name}\"; done";
        var printed = (await ChildProcess.RunAsync("bash", ["-c", PrintValues, "bash", exports, .. names], CommandTimeout))
            .EnsureSuccess("bash reading what scripts/container-engine.sh env exports");
        var values = printed.StandardOutput.Split('\0');
        return names.Select((name, index) => (name, value: values[index])).ToDictionary(pair => pair.name, pair => pair.value);
    }

    [GeneratedRegex(@"^export (?<name>[A-Za-z_][A-Za-z0-9_]*)=", RegexOptions.Multiline)]
    private static partial Regex ExportLine();
}
