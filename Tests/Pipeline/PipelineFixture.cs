using Aspire.Hosting;
using Aspire.Hosting.Testing;
using AspirePipeline.Contracts;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Observability;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// The whole AppHost in its default topology, started once for every pipeline test: our broker (Kafka:Mode=Broker,
/// fresh data dir), the recorded-footage camera and the people group as <c>./run.sh</c> runs them, every other consumer
/// group of AppHost/appsettings.json (the mean-intensity group with two replicas), and three small test-pattern
/// cameras in place of the default one, added the way a user adds cameras: configuration entries; the footage camera
/// has its zone and counting line (<c>plaza</c>, <c>crossing</c>). Tests read cameras and groups from the app model
/// (<see cref="Topology"/>). A collector reads the results topic throughout. The Aspire dashboard runs too (logs and
/// traces, as a user sees them) and metrics go to a test OTLP receiver.
/// </summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    public const int Width = 640;
    public const int Height = 360;
    public const int Fps = 10;

    /// <summary>
    /// Test-pattern cameras (Cameras:{id} entries), whose keys land on three different partitions of three
    /// (librdkafka's CRC32 partitioner).
    /// </summary>
    public static readonly string[] Cameras = ["north", "south", "west"];

    /// <summary>The default topology's recorded-footage camera, which the people group watches.</summary>
    public const string FootageCamera = "footage";

    /// <summary>Replicas the fixture gives the mean-intensity group (Pipeline:Groups:consumer:Replicas).</summary>
    public const int MeanGroupReplicas = 2;

    private const string MeanGroupResource = "consumer";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly IMessageSink _diagnostics;
    private RunningAppHost? _appHost;

    public PipelineFixture(IMessageSink diagnostics) => _diagnostics = diagnostics;

    public DistributedApplication App => (_appHost ?? throw new InvalidOperationException("The AppHost did not start.")).App;

    public ResultsCollector Results { get; private set; } = null!;

    /// <summary>The first test-pattern camera's RTSP URL.</summary>
    public string CameraUrl { get; private set; } = "";

    /// <summary>The cameras and consumer groups the AppHost declared.</summary>
    public PipelineTopology Topology { get; private set; } = new([], []);

    /// <summary>The group whose replicas split the partitions (the only one with more than one replica).</summary>
    public PipelineGroup ReplicatedGroup => Topology.Groups.Single(group => group.Replicas > 1);

    /// <summary>The groups that analyse every test-pattern camera: they see every frame of it, in order.</summary>
    public IReadOnlyList<PipelineGroup> TestPatternGroups => [.. Topology.Groups.Where(group => Cameras.All(group.Analyses))];

    public string BootstrapServers { get; private set; } = "";

    /// <summary>The Aspire dashboard (telemetry API at <c>/api/telemetry</c>, with <see cref="TelemetryCapture.DashboardApiKey"/>).</summary>
    public string DashboardUrl { get; private set; } = "";

    /// <summary>The dashboard's login URL with its browser token, as <c>aspire run</c> prints it.</summary>
    public string DashboardLoginUrl { get; private set; } = "";

    /// <summary>Every resource's exported metrics.</summary>
    public OtlpMetricsReceiver Metrics { get; } = new();

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--Camera:Mode=Process", $"--Camera:Width={Width}", $"--Camera:Height={Height}", $"--Camera:Fps={Fps}",
            "--Cameras:camera:Enabled=false",
            .. Cameras.Select(id => $"--Cameras:{id}:Source=Simulator"),
            $"--Pipeline:Groups:{MeanGroupResource}:Replicas={MeanGroupReplicas}",
            // The footage camera keeps the default topology's zone and counting line (AppHost/appsettings.json).
            .. TelemetryCapture.DashboardArguments,
        ];
        _appHost = await RunningAppHost.StartAsync(args, healthy: null, StartTimeout, TelemetryCapture.EnableDashboard,
            builder => TelemetryCapture.ExportMetricsTo(builder, Metrics));

        BootstrapServers = await _appHost.ConnectionStringAsync("kafka");
        Topology = _appHost.Topology;
        CameraUrl = await _appHost.ConnectionStringAsync(Cameras[0]);
        var login = await App.GetDashboardUrlAsync();
        DashboardLoginUrl = login.ToString();
        DashboardUrl = login.GetLeftPart(UriPartial.Authority) + "/";
        Results = new ResultsCollector(BootstrapServers, FrameTopics.Analysis);
        _diagnostics.OnMessage(new DiagnosticMessage(
            $"Pipeline started: kafka at {BootstrapServers}, camera at {CameraUrl}, dashboard at {DashboardUrl} (login: {DashboardLoginUrl})"));
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
