using System.Text;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.Tests.Consumers;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Original;

/// <summary>
/// Frames as the original Go producer sends them (seed JSON of RGBA pixels labelled 3 channels, no key, no headers)
/// through the consumer service against the real broker process: the camera id comes from configuration and the
/// capture time from the Kafka timestamp.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class HeaderlessFrameTests(ConsumerBrokerFixture fixture) : IClassFixture<ConsumerBrokerFixture>
{
    private const int Rows = 24;
    private const int Cols = 32;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SentAgo = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_frame_without_key_or_headers_gets_the_configured_camera_and_its_kafka_timestamp_as_capture_time()
    {
        var topics = await TestTopics.CreateAsync(fixture.BootstrapServers, framePartitions: 1);
        using var results = new TopicReader(fixture.BootstrapServers, topics.Results);
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds((DateTimeOffset.UtcNow - SentAgo).ToUnixTimeMilliseconds());
        await ProduceLikeTheOriginalAsync(topics.Frames, sentAt);

        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(fixture.BootstrapServers, topics,
            $"group-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["HeaderlessFrames:CameraId"] = "lobby" });
        results.ReadUntil(1, Deadline);

        var record = Assert.Single(results.Records());
        Assert.Equal("lobby", record.Camera);
        Assert.Null(record.Sequence);
        Assert.Equal(sentAt, record.CaptureTimestamp);
        Assert.True(record.LatencyMs >= SentAgo.TotalMilliseconds, $"latency {record.LatencyMs} ms for a frame sent {SentAgo} ago");
        Assert.Equal(ExpectedMean, record.Value, precision: 9);
        Assert.Equal((Cols, Rows), (record.Width, record.Height));
        Assert.Equal(0, host.Statistics.PoisonMessages);
    }

    [Fact]
    public async Task A_camera_id_configured_for_the_topic_wins_over_the_default()
    {
        var topics = await TestTopics.CreateAsync(fixture.BootstrapServers, framePartitions: 1);
        using var results = new TopicReader(fixture.BootstrapServers, topics.Results);
        await ProduceLikeTheOriginalAsync(topics.Frames, DateTimeOffset.UtcNow);

        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(fixture.BootstrapServers, topics,
            $"group-{Guid.NewGuid():N}", new Dictionary<string, string?>
            {
                ["HeaderlessFrames:CameraId"] = "lobby",
                [$"HeaderlessFrames:CameraIdsByTopic:{topics.Frames}"] = "front-door",
            });
        results.ReadUntil(1, Deadline);

        Assert.Equal("front-door", Assert.Single(results.Records()).Camera);
    }

    [Theory]
    [InlineData("HeaderlessFrames:CameraId", "", "CameraId")]
    [InlineData("HeaderlessFrames:CameraIdsByTopic:frames", " ", "HeaderlessFrames:CameraIdsByTopic:frames")]
    public async Task An_empty_camera_id_stops_the_start_naming_the_setting(string key, string value, string named)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Unreachable on purpose: validation must fail before anything talks to Kafka.
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "g",
            [key] = value,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddFrameProcessing<MeanIntensityAnalyzer>();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync().WaitAsync(Deadline));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Pixel (x, y) is RGBA (x*8, y*10, 100, 255): the mean over R, G and B is fixed by the size.</summary>
    private static double ExpectedMean =>
        (Enumerable.Range(0, Cols).Average(x => x * 8.0) + Enumerable.Range(0, Rows).Average(y => y * 10.0) + 100) / 3;

    private async Task ProduceLikeTheOriginalAsync(string topic, DateTimeOffset timestamp)
    {
        var pixels = new byte[Rows * Cols * 4];
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Cols; x++)
            {
                var at = (y * Cols + x) * 4;
                (pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]) = ((byte)(x * 8), (byte)(y * 10), 100, 255);
            }
        }
        // json.Marshal's field order and channel count of the original Go producer.
        var json = $$"""{"pix":"{{Convert.ToBase64String(pixels)}}","channels":3,"rows":{{Rows}},"cols":{{Cols}}}""";

        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        await producer.ProduceAsync(topic, new Message<Null, byte[]>
        {
            Value = Encoding.ASCII.GetBytes(json),
            Timestamp = new Timestamp(timestamp),
        }).WaitAsync(Deadline);
    }
}
