using AspirePipeline.Contracts;
using AspirePipeline.Frames;
using AspirePipeline.Tests.Infrastructure;
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

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly IMessageSink _diagnostics;
    private RunningAppHost? _appHost;

    public OriginalFormatPipelineFixture(IMessageSink diagnostics) => _diagnostics = diagnostics;

    public ResultsCollector Results { get; private set; } = null!;

    /// <summary>The cameras and consumer groups the AppHost declared.</summary>
    public PipelineTopology Topology { get; private set; } = new([], []);

    /// <summary>The Kafka group id of the mean-intensity analysis, whose values the original consumer's are compared with.</summary>
    public string MeanGroup => Topology.Groups.Single(group => group.Analyzer == "mean-intensity").GroupId;

    public string BootstrapServers { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--Camera:Mode=Process", $"--Camera:Width={Width}", $"--Camera:Height={Height}", $"--Camera:Fps={Fps}",
            // The default test-pattern camera and the groups that see every frame; not the footage and people group.
            "--Cameras:footage:Enabled=false", "--Pipeline:Groups:people:Enabled=false",
            $"--Pipeline:FrameEncoding={nameof(FrameEncoding.SeedJson)}",
            $"--Pipeline:HeaderlessCameraId={HeaderlessCamera}",
        ];
        _appHost = await RunningAppHost.StartAsync(args, healthy: null, StartTimeout);
        Topology = _appHost.Topology;
        BootstrapServers = await _appHost.ConnectionStringAsync("kafka");
        Results = new ResultsCollector(BootstrapServers, FrameTopics.Analysis);
        try
        {
            // Healthy is not yet streaming: the tests need our producer's frames in the topic.
            await Results.WaitUntilAsync(all => all.Any(r => r.Camera == PipelineCamera), StartTimeout,
                all => $"no result of a frame of camera '{PipelineCamera}' " +
                    $"(seen: {string.Join(", ", all.Select(r => r.Camera).Distinct())})\n{RecentOutput()}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
        _diagnostics.OnMessage(new DiagnosticMessage($"Pipeline in the original format started: kafka at {BootstrapServers}"));
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
    }
}

/// <summary>The original-client tests share one AppHost and run alone: it keeps both cores busy.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OriginalFormatPipelineCollection : ICollectionFixture<OriginalFormatPipelineFixture>
{
    public const string Name = "original-format pipeline";
}
