using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspirePipeline.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>
/// The real AppHost started for a test fixture with our broker (fresh data directory) and the given arguments,
/// returned once the named resources are healthy; keeps each resource's last console lines for assertion messages
/// and stops everything (and removes the data directory) on dispose.
/// </summary>
public sealed class RunningAppHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private const int LinesPerCategory = 15;

    private readonly CapturingLoggerProvider _logs;
    private readonly string _dataDir;
    private DistributedApplication? _app;

    private RunningAppHost(DistributedApplication app, CapturingLoggerProvider logs, string dataDir)
    {
        _app = app;
        _logs = logs;
        _dataDir = dataDir;
    }

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has stopped.");

    /// <summary>The cameras and consumer groups the AppHost declared.</summary>
    public PipelineTopology Topology => PipelineTopology.Of(App.Services.GetRequiredService<DistributedApplicationModel>().Resources);

    /// <summary>Our broker's data directory (<c>Kafka:DataDir</c>), removed on dispose.</summary>
    public string DataDirectory => _dataDir;

    /// <param name="arguments">AppHost arguments after <c>--Kafka:Mode=Broker --Kafka:DataDir=...</c>.</param>
    /// <param name="healthy">
    /// Resources that must be healthy before this returns; null: Kafka, every camera, the producer and every consumer
    /// group of the model.
    /// </param>
    /// <param name="startTimeout">How long the start and the health of those resources may take.</param>
    /// <param name="configureOptions">Options of the testing builder (e.g. to run the dashboard).</param>
    /// <param name="configureBuilder">Changes to the app model before it is built.</param>
    public static async Task<RunningAppHost> StartAsync(
        IEnumerable<string> arguments,
        IReadOnlyCollection<string>? healthy,
        TimeSpan startTimeout,
        Action<DistributedApplicationOptions, HostApplicationBuilderSettings>? configureOptions = null,
        Action<IDistributedApplicationTestingBuilder>? configureBuilder = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("aspirepipeline-apphost-").FullName;
        // The last lines of each category (Aspire forwards each resource's console to one), for assertion messages.
        var logs = new CapturingLoggerProvider(LogLevel.Information, keptPerCategory: LinesPerCategory);
        using var timeout = new CancellationTokenSource(startTimeout);
        string[] args = ["--Kafka:Mode=Broker", $"--Kafka:DataDir={dataDir}", .. arguments];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            args, configureOptions ?? ((_, _) => { }), timeout.Token);
        configureBuilder?.Invoke(builder);
        builder.Services.AddLogging(logging => logging
            .AddProvider(logs)
            // Every probe fails while the services start; the resources' own output says more when something is wrong.
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical));

        var running = new RunningAppHost(await builder.BuildAsync(timeout.Token), logs, dataDir);
        try
        {
            await running.App.StartAsync(timeout.Token);
            foreach (var resource in healthy ?? running.Topology.Resources(ConnectionNames.Kafka, "producer"))
            {
                await running.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            }
            return running;
        }
        catch (OperationCanceledException exception)
        {
            // Stop what did start now: a fixture that failed to initialize may never be disposed.
            var output = running.RecentOutput();
            await running.DisposeAsync();
            throw new TimeoutException($"The AppHost was not healthy within {startTimeout}.\n{output}", exception);
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string");

    /// <summary>The last lines every resource printed, for assertion messages.</summary>
    public string RecentOutput() => Describe(_logs);

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await app.StopAsync(timeout.Token);
            }
            finally
            {
                await app.DisposeAsync();
            }
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A process that is still closing its segment files: the temp dir is cleaned by the OS eventually.
        }
    }

    private static string Describe(CapturingLoggerProvider logs) => string.Join('\n', logs.Entries
        .Where(e => e.Category.Contains(".Resources.", StringComparison.Ordinal) || e.Category.Contains("AspirePipeline", StringComparison.Ordinal))
        .GroupBy(e => e.Category)
        .Select(c => $"--- {c.Key}\n{string.Join('\n', c.Select(e => $"{e.Level}: {e.Message}"))}"));
}
