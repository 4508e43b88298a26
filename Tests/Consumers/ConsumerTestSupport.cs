using System.Text.Json;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenCvSharp;

namespace AspirePipeline.Tests.Consumers;

/// <summary>One in-memory broker process shared by a consumer test class.</summary>
public sealed class ConsumerBrokerFixture : IAsyncLifetime
{
    public BrokerProcess Broker { get; private set; } = null!;

    public string BootstrapServers => Broker.BootstrapServers;

    public async Task InitializeAsync() => Broker = await BrokerProcess.StartAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>The topics of one test, unique so tests sharing a broker cannot see each other's frames.</summary>
internal sealed record TestTopics(string Frames, string Results, string DeadLetter)
{
    public static async Task<TestTopics> CreateAsync(string bootstrap, int framePartitions)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var topics = new TestTopics($"frames-{id}", $"analysis-{id}", $"dlq-{id}");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = topics.Frames, NumPartitions = framePartitions, ReplicationFactor = 1 },
            new TopicSpecification { Name = topics.Results, NumPartitions = 1, ReplicationFactor = 1 },
            new TopicSpecification { Name = topics.DeadLetter, NumPartitions = 1, ReplicationFactor = 1 },
        ]);
        return topics;
    }
}

/// <summary>
/// A consumer service hosted in the test process exactly as Consumer's Program.cs builds it
/// (<c>AddFrameProcessing</c> + <c>MapFrameProcessing</c>), on a free loopback port.
/// </summary>
internal sealed class ConsumerTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ConsumerTestHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public ProcessingStatistics Statistics => _app.Services.GetRequiredService<ProcessingStatistics>();

    public static async Task<ConsumerTestHost> StartAsync<TAnalyzer>(string bootstrap, TestTopics topics, string groupId,
        IDictionary<string, string?>? settings = null)
        where TAnalyzer : class, IFrameAnalyzer
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrap,
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = groupId,
            ["Aspire:Confluent:Kafka:Consumer:Config:FetchWaitMaxMs"] = "100",
            ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "5",
            ["FrameProcessing:Topic"] = topics.Frames,
            ["FrameProcessing:ResultsTopic"] = topics.Results,
            ["FrameProcessing:DeadLetterTopic"] = topics.DeadLetter,
            ["FrameProcessing:InstanceId"] = $"test-{Guid.NewGuid():N}",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddFrameProcessing<TAnalyzer>();
        builder.Services.AddHealthChecks();

        var app = builder.Build();
        app.MapHealthChecks("/health");
        app.MapFrameProcessing();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        return new ConsumerTestHost(app, new Uri(address));
    }

    /// <summary>Graceful stop: the service closes its consumer, which commits the stored offsets.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}

/// <summary>
/// The mean-intensity analysis behind a gate a test closes to stall the consumer while frames keep arriving, and opens
/// again (within 30 s at the most, so a failed test cannot hang the consumer).
/// </summary>
internal sealed class GatedAnalyzer : IFrameAnalyzer
{
    private readonly MeanIntensityAnalyzer _inner = new();

    public static ManualResetEventSlim Gate { get; } = new(initialState: true);

    public string Name => _inner.Name;

    public DecodeTarget DecodeTarget => _inner.DecodeTarget;

    public FrameAnalysis Analyze(string cameraId, Mat image)
    {
        Gate.Wait(TimeSpan.FromSeconds(30));
        return _inner.Analyze(cameraId, image);
    }
}

/// <summary>Synthetic frames encoded with the Frames library and produced with a plain Confluent.Kafka producer.</summary>
internal sealed class FrameSource : IDisposable
{
    public const int Width = 320;
    public const int Height = 240;

    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly FrameEncoder _encoder = new(FrameEncoding.Jpeg, 85);

    public FrameSource(string bootstrap, string topic)
    {
        _topic = topic;
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 2,
            MessageTimeoutMs = 15_000,
        }).Build();
    }

    /// <summary>Expected analysis result of every produced frame: the mean of the JPEG as a consumer decodes it.</summary>
    public Dictionary<(string Camera, long Sequence), Scalar> ExpectedMeans { get; } = [];

    /// <summary>
    /// Produces frames <paramref name="first"/>..first+count-1 of <paramref name="camera"/>, waiting for each ack;
    /// <paramref name="capturedAt"/> gives a frame's capture time and Kafka timestamp (default: now).
    /// </summary>
    public async Task ProduceAsync(string camera, long first, int count, int? partition = null, Func<long, DateTimeOffset>? capturedAt = null)
    {
        for (var sequence = first; sequence < first + count; sequence++)
        {
            using var image = Draw(camera, sequence);
            var timestamp = capturedAt?.Invoke(sequence);
            var encoded = _encoder.Encode(image, camera, sequence, FrameMetadata.ToUnixMicroseconds(timestamp ?? DateTimeOffset.UtcNow));
            var headers = new Headers();
            encoded.Metadata.WriteHeaders(headers.Add);
            // The consumer decodes no more of a frame than its analyzer asks for (1/8 scale for the mean).
            using (var decoded = FrameDecoder.Decode(encoded.Payload, headers.AsLookup(), new MeanIntensityAnalyzer().DecodeTarget))
            {
                ExpectedMeans[(camera, sequence)] = Cv2.Mean(decoded.Image);
            }
            await ProduceRawAsync(camera, encoded.Payload, headers, partition, timestamp);
        }
    }

    public async Task<DeliveryResult<string, byte[]>> ProduceRawAsync(string? key, byte[] value, Headers headers,
        int? partition = null, DateTimeOffset? timestamp = null)
    {
        var message = new Message<string, byte[]> { Key = key!, Value = value, Headers = headers };
        if (timestamp is { } createTime)
        {
            message.Timestamp = new Timestamp(createTime.UtcDateTime, TimestampType.CreateTime);
        }
        var produce = partition is { } fixedPartition
            ? _producer.ProduceAsync(new TopicPartition(_topic, fixedPartition), message)
            : _producer.ProduceAsync(_topic, message);
        return await produce.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>A frame whose colours and object position depend on camera and sequence, so every mean differs.</summary>
    public static Mat Draw(string camera, long sequence)
    {
        var shade = camera.Aggregate(0, (sum, c) => sum + c) % 97;
        var image = new Mat(Height, Width, MatType.CV_8UC3,
            new Scalar((sequence * 7 + shade) % 256, (sequence * 13 + 40) % 256, (sequence * 29 + shade * 2) % 256));
        Cv2.Rectangle(image, new Rect((int)(sequence * 10 % (Width - 60)), 60, 60, 60), Scalar.White, -1);
        return image;
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _encoder.Dispose();
    }
}

/// <summary>Reads a topic from the beginning with an assign-only consumer (no group offsets involved).</summary>
internal sealed class TopicReader : IDisposable
{
    private readonly IConsumer<string, byte[]> _consumer;

    public TopicReader(string bootstrap, string topic, int partitions = 1)
    {
        _consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
        }).Build();
        _consumer.Assign(Enumerable.Range(0, partitions)
            .Select(partition => new TopicPartitionOffset(topic, partition, Offset.Beginning)));
    }

    public List<ConsumeResult<string, byte[]>> Messages { get; } = [];

    private readonly List<AnalysisRecord> _records = [];

    /// <summary>Reads until <paramref name="count"/> messages in total were read, failing after the deadline.</summary>
    public List<ConsumeResult<string, byte[]>> ReadUntil(int count, TimeSpan deadline) =>
        Consume.AtLeast(_consumer, count, deadline, Messages);

    /// <summary>
    /// Reads up to the topic's current end (high watermarks), so duplicates produced before now are seen too.
    /// </summary>
    public List<ConsumeResult<string, byte[]>> ReadToEnd(TimeSpan deadline)
    {
        var ends = _consumer.Assignment.ToDictionary(partition => partition,
            partition => _consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value);
        var read = Messages.GroupBy(message => message.TopicPartition)
            .ToDictionary(group => group.Key, group => group.Max(message => message.Offset.Value) + 1);
        var until = DateTime.UtcNow + deadline;
        while (ends.Any(end => read.GetValueOrDefault(end.Key) < end.Value))
        {
            Assert.True(DateTime.UtcNow < until, $"Could not read to the end of the topic within {deadline}");
            if (_consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                Messages.Add(result);
                read[result.TopicPartition] = result.Offset.Value + 1;
            }
        }
        return Messages;
    }

    /// <summary>
    /// The messages read so far as result records, a new list each call; each message is deserialized once (tests that
    /// poll a busy results topic call this thousands of times while the pipeline they measure shares the CPU).
    /// </summary>
    public List<AnalysisRecord> Records()
    {
        if (_records.Count > Messages.Count)
        {
            _records.Clear();
        }
        for (var index = _records.Count; index < Messages.Count; index++)
        {
            _records.Add(JsonSerializer.Deserialize<AnalysisRecord>(Messages[index].Message.Value, JsonSerializerOptions.Web)!);
        }
        return [.. _records];
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
