using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using AspirePipeline.Frames;
using AspirePipeline.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AspirePipeline.Tests.Original;

/// <summary>
/// The AppHost started as the README's "Moving from the original Go/Python system" starts it: the frames in the
/// original design's JSON (<c>Pipeline:FrameEncoding=SeedJson</c>) and a camera id for frames that name none
/// (<c>Pipeline:HeaderlessCameraId</c>), here with our broker, the GStreamer camera simulator and no dashboard, every
/// port chosen at random. A collector reads the results topic throughout.
/// </summary>
public sealed class OriginalFormatPipelineFixture : IAsyncLifetime
{
    /// <summary>Small frames: a seed-JSON frame of 320x240 is ~410 KB, under sarama's and kafka-python's defaults.</summary>
    public const int Width = 320;
    public const int Height = 240;
    /// <summary>As the pipeline tests' camera: ffmpeg gives up on a 5 fps stream before its first keyframe.</summary>
    public const int Fps = 10;

    /// <summary>The camera id of our producer's frames (the AppHost's default camera).</summary>
    public const string PipelineCamera = "camera";

    /// <summary>The camera id the consumers give the original Go producer's frames (no key, no headers).</summary>
    public const string HeaderlessCamera = "original-go";

    public const string MeanGroup = "consumerGroup_1";
    public const string MotionGroup = "consumerGroup_2";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] Resources = ["kafka", "camera", "producer", "consumer", "consumer2"];

    private readonly IMessageSink _diagnostics;
    private readonly RecentOutputLogger _output = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("aspirepipeline-original-").FullName;
    private DistributedApplication? _app;

    public OriginalFormatPipelineFixture(IMessageSink diagnostics) => _diagnostics = diagnostics;

    public ResultsCollector Results { get; private set; } = null!;

    public string BootstrapServers { get; private set; } = "";

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        string[] args =
        [
            "--Kafka:Mode=Broker", $"--Kafka:DataDir={_dataDir}",
            "--Camera:Mode=Process", $"--Camera:Width={Width}", $"--Camera:Height={Height}", $"--Camera:Fps={Fps}",
            $"--Pipeline:Cameras:0={PipelineCamera}",
            $"--Pipeline:FrameEncoding={nameof(FrameEncoding.SeedJson)}",
            $"--Pipeline:HeaderlessCameraId={HeaderlessCamera}",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);
        builder.Services.AddLogging(logging => logging
            .AddProvider(_output)
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

        BootstrapServers = await _app.GetConnectionStringAsync("kafka", timeout.Token)
            ?? throw new InvalidOperationException("kafka has no connection string");
        Results = new ResultsCollector(BootstrapServers, FrameTopics.Analysis);
        try
        {
            // Healthy is not yet streaming: the tests need our producer's frames in the topic.
            await Results.WaitUntilAsync(all => all.Any(r => r.Camera == PipelineCamera), StartTimeout,
                all => $"no result of a frame of camera '{PipelineCamera}' (seen: {string.Join(", ", all.Select(r => r.Camera).Distinct())})\n{RecentOutput()}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
        _diagnostics.OnMessage(new DiagnosticMessage($"Pipeline in the original format started: kafka at {BootstrapServers}"));
    }

    /// <summary>The last lines every resource printed, for assertion messages.</summary>
    public string RecentOutput() => _output.Describe();

    public async Task DisposeAsync()
    {
        if (Results is not null)
        {
            await Results.DisposeAsync();
        }

        await StopAppAsync();
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

    /// <summary>Keeps the last lines of each resource's console (Aspire forwards it to a logger per resource).</summary>
    private sealed class RecentOutputLogger : ILoggerProvider
    {
        private const int LinesPerCategory = 15;
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new();

        public ILogger CreateLogger(string categoryName) => new Logger(_lines.GetOrAdd(categoryName, _ => new()));

        public string Describe() => string.Join('\n', _lines
            .Where(category => category.Key.Contains(".Resources.", StringComparison.Ordinal))
            .Select(category => $"--- {category.Key}\n{string.Join('\n', category.Value)}"));

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

/// <summary>The original-client tests share one AppHost and run alone: it keeps both cores busy.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OriginalFormatPipelineCollection : ICollectionFixture<OriginalFormatPipelineFixture>
{
    public const string Name = "original-format pipeline";
}
