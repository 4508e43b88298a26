using Aspire.Hosting;
using Aspire.Hosting.Testing;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Observability;
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
    private static readonly string[] Resources = ["kafka", "camera", "producer", "consumer", "consumer2"];

    private readonly IMessageSink _diagnostics;
    private RunningAppHost? _appHost;

    public PipelineFixture(IMessageSink diagnostics) => _diagnostics = diagnostics;

    public DistributedApplication App => (_appHost ?? throw new InvalidOperationException("The AppHost did not start.")).App;

    public ResultsCollector Results { get; private set; } = null!;

    public string CameraUrl { get; private set; } = "";

    public string BootstrapServers { get; private set; } = "";

    /// <summary>The Aspire dashboard (no login, telemetry API at <c>/api/telemetry</c>).</summary>
    public string DashboardUrl { get; private set; } = "";

    /// <summary>Every resource's exported metrics.</summary>
    public OtlpMetricsReceiver Metrics { get; } = new();

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--Camera:Mode=Process", $"--Camera:Width={Width}", $"--Camera:Height={Height}", $"--Camera:Fps={Fps}",
            .. Cameras.Select((id, index) => $"--Pipeline:Cameras:{index}={id}"),
            $"--Pipeline:Consumer:Replicas={MeanGroupReplicas}",
            .. TelemetryCapture.DashboardArguments,
        ];
        _appHost = await RunningAppHost.StartAsync(args, Resources, StartTimeout, TelemetryCapture.EnableDashboard,
            builder => TelemetryCapture.ExportMetricsTo(builder, Metrics));

        BootstrapServers = await _appHost.ConnectionStringAsync("kafka");
        CameraUrl = await _appHost.ConnectionStringAsync("camera");
        DashboardUrl = (await App.GetDashboardUrlAsync()).ToString();
        Results = new ResultsCollector(BootstrapServers, "frames.analysis");
        _diagnostics.OnMessage(new DiagnosticMessage($"Pipeline started: kafka at {BootstrapServers}, camera at {CameraUrl}, dashboard at {DashboardUrl}"));
    }

    /// <summary>The last lines every resource printed, for assertion messages.</summary>
    public string RecentOutput() => _appHost?.RecentOutput() ?? "";

    public async Task DisposeAsync()
    {
        if (Results is not null)
        {
            await Results.DisposeAsync();
        }

        if (_appHost is not null)
        {
            await _appHost.DisposeAsync();
        }

        await Metrics.DisposeAsync();
    }
}

/// <summary>The pipeline tests share one running AppHost and run alone: it already uses both cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline";
}
