using System.Diagnostics;
using AspirePipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// The path of docs/deploy.md run for real on this machine's container engine (podman): the images built with
/// <c>containers/build-images.sh</c> (the documented command, plus the broker and dashboard stand-ins), the AppHost
/// published as <c>aspire publish</c> does it, and the published <c>docker-compose.yaml</c> run with podman-compose and
/// an override that replaces only what cannot be pulled here (apache/kafka by this repository's Broker image, mediamtx
/// by the GStreamer camera simulator, the Aspire dashboard image by one built from its NuGet package). It checks what a
/// user would: every service's <c>/health</c> is Healthy, both consumer groups process frames with contiguous sequence
/// numbers and nothing dead-lettered, the dashboard asks for a login, and after the kafka container restarts both groups
/// process frames again, still contiguous. Everything runs under one compose project name on podman's own bridge
/// network with no fixed host port, and is removed at the end, failed or not.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Deployment)]
[Collection(DeploymentCollection.Name)]
public sealed class ComposeDeploymentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    // Each service whose last log lines a failure shows.
    private static readonly string[] Services =
        ["kafka", "camera", "footage", "producer", "consumer", "consumer2", "people", "clips", "aspire-dashboard"];
    private static readonly string[] Consumers = ["consumer", "consumer2"];

    private readonly DeploymentLog _log = new(output);

    [Fact]
    public async Task The_published_compose_file_runs_on_podman_and_recovers_from_a_kafka_restart()
    {
        var started = Stopwatch.StartNew();
        var engine = await ContainerEngine.SetUpAsync();
        var work = Directory.CreateTempSubdirectory("aspirepipeline-deploytest.");
        try
        {
            var deploy = Path.Combine(work.FullName, "deploy");
            await BuildImagesAsync(engine);
            await PublishAsync(engine, deploy);
            var (partitions, messageMaxBytes) = ComposeFiles.ReadKafkaTopicDefaults(deploy);
            ComposeFiles.WriteOverride(deploy, partitions, messageMaxBytes);
            var projectName = $"aspirepipeline-deploytest-{Environment.ProcessId}";
            var merged = await ComposeFiles.MergeAsync(engine, projectName, deploy);

            await using var project = new ComposeProject(projectName, merged, engine, _log);
            using var probes = new ServiceProbes(project);
            try
            {
                await StartAndCheckAsync(project, probes);
                await RestartKafkaAndCheckAsync(project, probes);
            }
            catch
            {
                await project.WriteLastLogLinesAsync(Services);
                throw;
            }
        }
        finally
        {
            DeleteQuietly(work);
            _log.Write($"done in {started.Elapsed.TotalSeconds:0} s");
        }
        _log.Write("PASS: deployment test");
    }

    private async Task BuildImagesAsync(ContainerEngine engine)
    {
        var phase = Stopwatch.StartNew();
        _log.Write("building images (containers/build-images.sh --engine podman)");
        (await engine.RunAsync(Path.Combine(RepoLayout.Root, "containers", "build-images.sh"),
                ["--engine", "podman", "producer", "consumer", "consumer2", "clips", "camera-simulator", "broker", "dashboard"],
                BuildTimeout))
            .EnsureSuccess("containers/build-images.sh");
        _log.Write($"images built in {phase.Elapsed.TotalSeconds:0} s");
    }

    private async Task PublishAsync(ContainerEngine engine, string deploy)
    {
        var phase = Stopwatch.StartNew();
        _log.Write($"publishing the AppHost to {deploy}");
        // No fixed host port for the dashboard: the engine picks a free one (a dev run may hold 18888).
        (await engine.RunAsync("dotnet", ["run", "--project", "AppHost", "--", "--operation", "publish", "--step", "publish",
                "--output-path", deploy, "--DockerCompose:DashboardHostPort=0"], PublishTimeout))
            .EnsureSuccess("dotnet run --project AppHost -- --operation publish");
        Assert.True(File.Exists(Path.Combine(deploy, ComposeFiles.Published)), $"publish wrote no {deploy}/{ComposeFiles.Published}");
        _log.Write($"published in {phase.Elapsed.TotalSeconds:0} s");
    }

    private async Task StartAndCheckAsync(ComposeProject project, ServiceProbes probes)
    {
        var phase = Stopwatch.StartNew();
        // podman-compose does not wait for `condition: service_healthy`. What Kafka's healthcheck guarantees in a real
        // deployment (the topics exist before a consumer subscribes) is had here by starting the producer first: it is
        // healthy once Kafka has acknowledged its frames, so the frames topic exists. Then everything else starts.
        _log.Write($"starting kafka, camera and producer (project {project.Name})");
        await project.UpAsync("producer");
        await WaitUntilAsync(300, "producer /health is Healthy (camera read with ffmpeg, frames acknowledged by Kafka)",
            () => probes.HealthyAsync("producer"));
        _log.Write("starting the consumers and the dashboard");
        await project.UpAsync();
        foreach (var service in (string[])[.. Consumers, "people", "clips"])
        {
            await WaitUntilAsync(240, $"{service} /health is Healthy", () => probes.HealthyAsync(service));
        }
        foreach (var service in Consumers)
        {
            await WaitUntilAsync(240, $"{service} processed 100 frames, contiguous, nothing dead-lettered",
                () => probes.ProcessedAtLeastAsync(service, 100));
        }
        // The people group runs at its own pace on the footage only: it skips to the newest frame, so only a count is asked.
        await WaitUntilAsync(240, "people analysed 20 frames of the recorded footage", () => probes.PeopleAnalysedAtLeastAsync(20));
        await WaitUntilAsync(60, "producer /health is still Healthy", () => probes.HealthyAsync("producer"));
        await WaitUntilAsync(120, "a clip of the footage camera's last seconds, remuxed from its recording, is an MP4",
            () => probes.RecentClipAsync("footage"));
        await WaitUntilAsync(120, "the dashboard asks for a login", probes.DashboardAsksForLoginAsync);
        _log.Write($"pipeline running in {phase.Elapsed.TotalSeconds:0} s");
    }

    private async Task RestartKafkaAndCheckAsync(ComposeProject project, ServiceProbes probes)
    {
        var phase = Stopwatch.StartNew();
        var before = new Dictionary<string, long>();
        foreach (var service in Consumers)
        {
            before[service] = (await probes.CountersAsync(service)).Processed;
        }
        _log.Write($"restarting the kafka container; processed so far: {string.Join(", ", before.Select(pair => $"{pair.Key} {pair.Value}"))}");
        var kafka = await project.RestartAsync("kafka");
        _log.Write($"restarted {kafka}");
        await WaitUntilAsync(300, "producer /health is Healthy after the kafka restart", () => probes.HealthyAsync("producer"));
        // At most the frames of one auto-commit interval and the restart (10 fps x 30 s) may come twice; none may be
        // missing but those the producer reported as dropped.
        foreach (var service in Consumers)
        {
            await WaitUntilAsync(300,
                $"{service} processed 100 more frames after the kafka restart, none missing but frames the producer reported dropped, "
                + "none dead-lettered",
                () => probes.ProcessedAtLeastAsync(service, before[service] + 100, maxRepeated: 300, allowDropped: true));
            _log.Write($"{service} after the restart: {await probes.CountersAsync(service)}, producer dropped={await probes.ProducerDroppedAsync()}");
        }
        foreach (var service in (string[])["producer", .. Consumers])
        {
            await WaitUntilAsync(60, $"{service} /health is Healthy after the kafka restart", () => probes.HealthyAsync(service));
        }
        _log.Write($"recovered from the kafka restart in {phase.Elapsed.TotalSeconds:0} s");
    }

    // A leftover temporary directory is harmless; an exception here would replace the test's own failure.
    private void DeleteQuietly(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _log.Write($"could not remove {directory.FullName}: {exception.Message}");
        }
    }

    /// <summary>
    /// Looks every 2 s until <paramref name="check"/> holds; fails after <paramref name="seconds"/> with what it saw
    /// last, or at once when it sees a state that can only get worse (frames lost or dead-lettered).
    /// </summary>
    private async Task WaitUntilAsync(int seconds, string what, Func<Task<Observation>> check)
    {
        var last = "not checked";
        await Poll.UntilAsync(async () =>
        {
            var seen = await check();
            last = seen.Seen;
            return seen.CanStillHold ? seen.Holds : throw new Xunit.Sdk.XunitException($"{what}: {seen.Seen}");
        }, TimeSpan.FromSeconds(seconds), () => $"{what}: not within {seconds} s; last check: {last}", PollInterval);
        _log.Write($"ok: {what}");
    }
}
