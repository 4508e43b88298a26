using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using AspirePipeline.Tests.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// The whole AppHost, started once for every pipeline test: our broker (Kafka:Mode=Broker, fresh data dir), the
/// GStreamer camera simulator standing in for three cameras, the producer, two replicas of <c>consumer</c>
/// (consumerGroup_1) and one of <c>consumer2</c> (consumerGroup_2). A collector reads the results topic throughout.
/// The Aspire dashboard runs too (logs and traces, as a user sees them) and metrics go to a test OTLP receiver.
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    public const int Width = 640;
    public const int Height = 360;
    public const int Fps = 10;

    /// <summary>Three camera ids whose keys land on three different partitions of three (librdkafka's CRC32 partitioner).</summary>
    public static readonly string[] Cameras = ["north", "south", "west"];

    public const string MeanGroup = "consumerGroup_1";
    public const string MotionGroup = "consumerGroup_2";
    public const int MeanGroupReplicas = 2;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] Resources = ["kafka", "camera", "producer", "consumer", "consumer2"];

    private readonly IMessageSink _diagnostics;
    private readonly RecentLogs _logs = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("aspirepipeline-pipeline-").FullName;
    private DistributedApplication? _app;

    public PipelineFixture(IMessageSink diagnostics) => _diagnostics = diagnostics;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost did not start.");

    public ResultsCollector Results { get; private set; } = null!;

    public string CameraUrl { get; private set; } = "";

    public string BootstrapServers { get; private set; } = "";

    /// <summary>The Aspire dashboard (no login, telemetry API at <c>/api/telemetry</c>).</summary>
    public string DashboardUrl { get; private set; } = "";

    /// <summary>Every resource's exported metrics.</summary>
    public OtlpMetricsReceiver Metrics { get; } = new();

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        string[] args =
        [
            "--Kafka:Mode=Broker", $"--Kafka:DataDir={_dataDir}",
            "--Camera:Mode=Process", $"--Camera:Width={Width}", $"--Camera:Height={Height}", $"--Camera:Fps={Fps}",
            .. Cameras.Select((id, index) => $"--Pipeline:Cameras:{index}={id}"),
            $"--Pipeline:Consumer:Replicas={MeanGroupReplicas}",
            .. TelemetryCapture.DashboardArguments,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, TelemetryCapture.EnableDashboard, timeout.Token);
        TelemetryCapture.ExportMetricsTo(builder, Metrics);
        builder.Services.AddLogging(logging => logging
            .AddProvider(_logs)
            // Every probe fails while the services start; the resources' own output says more when something is wrong.
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical));

        _app = await builder.BuildAsync(timeout.Token);
        try
        {
            await _app.StartAsync(timeout.Token);
            foreach (var resource in Resources)
            {
                await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            }
        }
        catch (OperationCanceledException exception)
        {
            // Stop what did start now: a fixture that failed to initialize may never be disposed.
            var output = RecentOutput();
            await StopAppAsync();
            throw new TimeoutException($"The pipeline was not healthy within {StartTimeout}.\n{output}", exception);
        }

        BootstrapServers = await _app.GetConnectionStringAsync("kafka", timeout.Token) ?? throw new InvalidOperationException("kafka has no connection string");
        CameraUrl = await _app.GetConnectionStringAsync("camera", timeout.Token) ?? throw new InvalidOperationException("camera has no URL");
        DashboardUrl = (await _app.GetDashboardUrlAsync(timeout.Token)).ToString();
        Results = new ResultsCollector(BootstrapServers, "frames.analysis");
        _diagnostics.OnMessage(new DiagnosticMessage($"Pipeline started: kafka at {BootstrapServers}, camera at {CameraUrl}, dashboard at {DashboardUrl}"));
    }

    /// <summary>The last lines every resource printed, for assertion messages.</summary>
    public string RecentOutput() => _logs.Describe();

    public async Task DisposeAsync()
    {
        if (Results is not null)
        {
            await Results.DisposeAsync();
        }

        await StopAppAsync();

        await Metrics.DisposeAsync();

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A process that is still closing its segment files: the temp dir is cleaned by the OS eventually.
        }
    }

    private async Task StopAppAsync()
    {
        if (_app is not { } app)
        {
            return;
        }

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

    /// <summary>Keeps the last lines of each logger category (Aspire forwards each resource's console there).</summary>
    private sealed class RecentLogs : ILoggerProvider
    {
        private const int LinesPerCategory = 15;
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new();

        public ILogger CreateLogger(string categoryName) => new Logger(_lines.GetOrAdd(categoryName, _ => new()));

        public string Describe() => string.Join('\n', _lines
            .Where(c => c.Key.Contains(".Resources.", StringComparison.Ordinal) || c.Key.Contains("AspirePipeline", StringComparison.Ordinal))
            .Select(c => $"--- {c.Key}\n{string.Join('\n', c.Value)}"));

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
                while (lines.Count > LinesPerCategory && lines.TryDequeue(out _))
                {
                }
            }
        }
    }
}

/// <summary>The pipeline tests share one running AppHost and run alone: it already uses both cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline";
}
