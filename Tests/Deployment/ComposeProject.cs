namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// One compose project (<c>podman-compose -p NAME -f FILE</c>) on the container engine: starting services, finding a
/// service's container and address, its last log lines. Disposal removes everything the project made (containers,
/// pod, volumes, networks), whether the test passed or not.
/// </summary>
internal sealed class ComposeProject(string name, string composeFile, ContainerEngine engine, DeploymentLog log) : IAsyncDisposable
{
    private const string ProjectLabel = "io.podman.compose.project";
    private const string ServiceLabel = "com.docker.compose.service";
    private const int LogLinesShown = 40;
    private const int LogLineWidth = 400;
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(5);

    public string Name => name;

    /// <summary>
    /// <c>up -d SERVICE...</c> (all services when none is named), then every service it starts must have a container
    /// and every container of the project must have started: podman-compose 1.0.3 goes on (and exits 0) when
    /// <c>podman run</c> fails, so a container that cannot start (or an image that cannot be had) fails the test at once
    /// with podman's own message and the Debian packages the engine lacks, instead of a long wait on a <c>/health</c>
    /// that can never answer.
    /// </summary>
    public async Task UpAsync(params string[] services)
    {
        // Its exit code says nothing (see above): the containers and their states do.
        var up = await engine.RunAsync("podman-compose", ["-p", name, "-f", composeFile, "up", "-d", .. services], UpTimeout);
        var neverStarted = new List<string>();
        foreach (var service in ComposeFiles.ServicesStartedBy(composeFile, services).Order(StringComparer.Ordinal))
        {
            if (await ContainerOfAsync(service) is null)
            {
                neverStarted.Add($"service {service} (no container)");
            }
        }
        foreach (var container in await ListAsync("ps", "-a", "--filter", $"label={ProjectLabel}={name}", "--format", "{{.Names}}"))
        {
            var status = await InspectAsync(container, "{{.State.Status}}") ?? "missing";
            if (status is "created" or "configured" or "missing")
            {
                neverStarted.Add($"{container} ({status})");
            }
        }
        if (neverStarted.Count == 0)
        {
            return;
        }
        var podmanSaid = (up.StandardOutput + up.StandardError).Split('\n')
            .Where(line => line.StartsWith("Error", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .Take(5);
        var doctor = await engine.DoctorAsync();
        throw new Xunit.Sdk.XunitException(
            $"containers that never started: {string.Join(", ", neverStarted)}; podman said:\n{string.Join('\n', podmanSaid)}\n"
            + $"scripts/container-engine.sh doctor: {(doctor.Length == 0 ? "no command missing" : doctor)}");
    }

    /// <summary>The container of compose service <paramref name="service"/> (replica 1), or null when it has none.</summary>
    public async Task<string?> ContainerOfAsync(string service) =>
        (await ListAsync("ps", "-a", "--filter", $"label={ProjectLabel}={name}", "--filter", $"label={ServiceLabel}={service}",
            "--format", "{{.Names}}")).FirstOrDefault();

    /// <summary>The IP address of <paramref name="service"/>'s container on the project's network.</summary>
    /// <exception cref="ServiceNotReadyException">It has no container, or its container no address (not running).</exception>
    public async Task<string> AddressOfAsync(string service)
    {
        var container = await ContainerOfAsync(service) ?? throw new ServiceNotReadyException($"no container for service '{service}'");
        var address = await InspectAsync(container, "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
        if (string.IsNullOrEmpty(address))
        {
            var status = await InspectAsync(container, "{{.State.Status}}") ?? "gone";
            throw new ServiceNotReadyException($"{service} has no address: {container} is {status}");
        }
        return address;
    }

    /// <summary>Restarts <paramref name="service"/>'s container (<c>podman restart -t 10</c>); returns the container's name.</summary>
    public async Task<string> RestartAsync(string service)
    {
        var container = await ContainerOfAsync(service) ?? throw new InvalidOperationException($"no container for service '{service}'");
        (await engine.PodmanAsync("restart", "-t", "10", container)).EnsureSuccess($"podman restart {container}");
        return container;
    }

    /// <summary>The last log lines of each of <paramref name="services"/> that has a container, into the test's log.</summary>
    public async Task WriteLastLogLinesAsync(IEnumerable<string> services)
    {
        foreach (var service in services)
        {
            var container = await ContainerOfAsync(service);
            if (container is null)
            {
                continue;
            }
            var state = await InspectAsync(container, "{{.State.Status}} exit={{.State.ExitCode}}");
            // Through ChildProcess.Start for its interleaved stdout and stderr, as `podman logs 2>&1` shows them.
            await using var logs = ChildProcess.Start("podman logs", "podman", ["logs", "--tail", $"{LogLinesShown}", container],
                engine.Environment, outputLinesKept: int.MaxValue);
            await logs.WaitForExitAsync(TimeSpan.FromMinutes(1));
            var lines = logs.OutputTail.Split('\n').Select(line => line.Length > LogLineWidth ? line[..LogLineWidth] : line);
            log.Write($"---- last log lines of {service} ({container}, {state})\n{string.Join('\n', lines)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        log.Write($"removing compose project {name}");
        var filter = $"label={ProjectLabel}={name}";
        await RemoveAllAsync(["ps", "-aq", "--filter", filter], ["rm", "-f", "-t", "5"]);
        await engine.PodmanAsync("pod", "rm", "-f", $"pod_{name}");
        await RemoveAllAsync(["volume", "ls", "-q", "--filter", filter], ["volume", "rm", "-f"]);
        await RemoveAllAsync(["network", "ls", "-q", "--filter", filter], ["network", "rm", "-f"]);
    }

    // What a failed removal says is logged, not thrown: an exception here would replace the test's own failure.
    private async Task RemoveAllAsync(string[] list, string[] remove)
    {
        var listed = await engine.PodmanAsync(list);
        var ids = listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var removal = listed.ExitCode != 0 || ids.Length == 0 ? listed : await engine.PodmanAsync([.. remove, .. ids]);
        if (removal.ExitCode != 0)
        {
            log.Write($"cleanup: podman exited with {removal.ExitCode}: {removal.StandardError.Trim()}");
        }
    }

    private async Task<IReadOnlyList<string>> ListAsync(params string[] arguments) =>
        (await engine.PodmanAsync(arguments)).EnsureSuccess($"podman {string.Join(' ', arguments)}")
            .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // Null when podman cannot inspect it (the container is gone).
    private async Task<string?> InspectAsync(string container, string format)
    {
        var inspect = await engine.PodmanAsync("inspect", "-f", format, container);
        return inspect.ExitCode == 0 ? inspect.StandardOutput.Trim() : null;
    }
}
