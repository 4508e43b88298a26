using System.Text.Json;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Producer;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AspirePipeline.Tests.Producer;

/// <summary>A broker process and an RTSP simulator shared by the producer tests (each test uses its own topic).</summary>
public class ProducerFixture : IAsyncLifetime
{
    private readonly string? _cameraCodec;
    private readonly string? _serve;
    private readonly string? _credentials;

    public ProducerFixture()
    {
    }

    /// <param name="cameraCodec">The simulator's <c>--codec</c> (<c>mjpeg</c>); null: its H.264.</param>
    /// <param name="serve">The simulator's <c>--serve</c> (<c>http</c>); null: RTSP.</param>
    /// <param name="credentials">The simulator's <c>--credentials user:password</c> (HTTP only).</param>
    protected ProducerFixture(string? cameraCodec, string? serve = null, string? credentials = null)
    {
        _cameraCodec = cameraCodec;
        _serve = serve;
        _credentials = credentials;
    }

    public BrokerProcess Broker { get; private set; } = null!;

    public CameraSimulatorProcess Camera { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await BrokerProcess.StartAsync();
        Camera = await CameraSimulatorProcess.StartAsync(
            width: 640, height: 360, fps: 15, codec: _cameraCodec, serve: _serve, credentials: _credentials);
    }

    public async Task DisposeAsync()
    {
        await Camera.DisposeAsync();
        await Broker.DisposeAsync();
    }

    public async Task<string> CreateTopicAsync()
    {
        var topic = $"frames-{Guid.NewGuid():N}"[..20];
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        return topic;
    }

    /// <summary>An assign-only consumer of partition 0 from the beginning (no group coordination involved).</summary>
    public IConsumer<string, byte[]> Consumer(string topic)
    {
        var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            GroupId = $"producer-tests-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        return consumer;
    }

    /// <summary>Consumes until <paramref name="count"/> messages came or the deadline passed (then fails saying how many came).</summary>
    public static List<ConsumeResult<string, byte[]>> Consume(IConsumer<string, byte[]> consumer, int count, TimeSpan deadline) =>
        TestSupport.Consume.AtLeast(consumer, count, deadline);

    /// <summary>
    /// Every message is a 640x360 colour JPEG of <paramref name="cameraId"/>, keyed by it, with the frame headers and
    /// sequence numbers from 0 in order (the fixture's camera, from the producer's first frame).
    /// </summary>
    public static void AssertJpegFrames(IReadOnlyList<ConsumeResult<string, byte[]>> messages, string cameraId)
    {
        for (var index = 0; index < messages.Count; index++)
        {
            var message = messages[index].Message;
            Assert.Equal(cameraId, message.Key);
            var metadata = FrameMetadata.ReadHeaders(message.Headers.AsLookup());
            Assert.Equal(new FrameMetadata(cameraId, index, metadata!.CaptureTimestampMicros, 640, 360, 3, FrameEncoding.Jpeg), metadata);
            Assert.True(JpegHeader.TryRead(message.Value, out var info, out var problem), problem);
            Assert.Equal(new JpegInfo(640, 360, 3), info);
        }
    }

    /// <summary>Messages' JPEG payloads decoded to BGR pictures (the caller disposes them).</summary>
    public static List<Mat> Pictures(IEnumerable<ConsumeResult<string, byte[]>> messages) =>
        [.. messages.Select(message => Cv2.ImDecode(message.Message.Value, ImreadModes.Color))];

    /// <summary>
    /// The first <paramref name="count"/> frames a producer of its own, with <paramref name="settings"/> on top, publishes
    /// of one camera, decoded (on a fresh topic; the producer stops before this returns).
    /// </summary>
    public async Task<List<Mat>> PicturesAsync(string cameraUrl, int count, IDictionary<string, string?>? settings = null)
    {
        var topic = await CreateTopicAsync();
        var configuration = new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "camera",
            ["Producer:Cameras:0:Url"] = cameraUrl,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        await using var producer = await ProducerTestHost.StartAsync(Broker.BootstrapServers, topic, configuration);
        using var consumer = Consumer(topic);
        return Pictures(Consume(consumer, count, TimeSpan.FromSeconds(30)));
    }
}

/// <summary>
/// The Producer hosted in the test process exactly as its Program.cs builds it (<c>AddFrameProducer</c>,
/// <c>MapProducerStats</c>), on a free loopback port.
/// </summary>
internal sealed class ProducerTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProducerTestHost(WebApplication app, CapturingLoggerProvider logs, Uri address)
    {
        _app = app;
        Logs = logs;
        Address = address;
    }

    public CapturingLoggerProvider Logs { get; }

    /// <summary>Where the host's Kestrel listens (a free loopback port), for <c>/stats</c>.</summary>
    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ProducerTestHost> StartAsync(string bootstrap, string topic, IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
        });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrap,
            ["Producer:Topic"] = topic,
            ["Producer:StallTimeout"] = "00:00:03",
            ["Producer:ReconnectInitialDelay"] = "00:00:00.2",
            ["Producer:ReconnectMaxDelay"] = "00:00:01",
            ["Producer:TraceEveryNthFrame"] = "5",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        builder.AddFrameProducer();

        var app = builder.Build();
        app.MapProducerStats();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ProducerTestHost(app, logs, new Uri(address));
    }

    public CameraStatus Camera(string id) => _app.Services.GetRequiredService<CameraStatusBoard>().For(id);

    /// <summary>The producer's <c>GET /stats</c>, read over HTTP as a dashboard or the benchmark reads it.</summary>
    public async Task<JsonDocument> StatsAsync()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        return JsonDocument.Parse(await http.GetStringAsync("/stats"));
    }

    /// <summary>Frames per stage (<c>encode</c>, <c>jpeg-check</c>, <c>publish</c>) in a <c>/stats</c> answer.</summary>
    public static Dictionary<string, long> StageFrames(JsonDocument stats) => stats.RootElement.GetProperty("stages").EnumerateArray()
        .ToDictionary(stage => stage.GetProperty("name").GetString()!, stage => stage.GetProperty("frames").GetInt64());

    public async Task<HealthReportEntry> HealthAsync()
    {
        var report = await _app.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(registration => registration.Name == "producer").WaitAsync(TimeSpan.FromSeconds(10));
        return report.Entries["producer"];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}
