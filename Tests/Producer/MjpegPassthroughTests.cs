using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Producer;
using AspirePipeline.Producer.Sources;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AspirePipeline.Tests.Producer;

/// <summary>A broker process and the RTSP simulator sending Motion JPEG (<c>--codec mjpeg</c>), shared by the passthrough tests.</summary>
public sealed class MjpegCameraFixture() : ProducerFixture(cameraCodec: "mjpeg");

/// <summary>
/// A Motion JPEG camera through the real producer (Debian's ffmpeg copying the stream) to the real broker: its JPEGs are
/// published as they are, with the headers decoded frames get, and nothing is encoded.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class MjpegPassthroughTests(MjpegCameraFixture fixture) : IClassFixture<MjpegCameraFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_motion_jpeg_camera_is_published_as_its_own_jpegs_with_the_usual_headers_and_no_encode()
    {
        var topic = await fixture.CreateTopicAsync();
        var passedThrough = new ConcurrentDictionary<string, long>();
        using var meter = ListenToPassedThrough(passedThrough);
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "mjpeg-cam",
            ["Producer:Cameras:0:Url"] = fixture.Camera.Url,
            // Would visibly shrink the frames were they re-encoded.
            ["Producer:JpegQuality"] = "10",
        });
        using var consumer = fixture.Consumer(topic);

        var messages = ProducerFixture.Consume(consumer, 20, Deadline);

        var lastCapture = 0L;
        for (var index = 0; index < messages.Count; index++)
        {
            var message = messages[index].Message;
            Assert.Equal("mjpeg-cam", message.Key);
            var metadata = FrameMetadata.ReadHeaders(message.Headers.AsLookup());
            Assert.NotNull(metadata);
            Assert.Equal(new FrameMetadata("mjpeg-cam", index, metadata.CaptureTimestampMicros, 640, 360, 3, FrameEncoding.Jpeg), metadata);
            Assert.True(metadata.CaptureTimestampMicros >= lastCapture, $"capture time went backwards at sequence {index}");
            lastCapture = metadata.CaptureTimestampMicros!.Value;
            Assert.Equal(metadata.CaptureTime!.Value.ToUnixTimeMilliseconds(), message.Timestamp.UnixTimestampMs);
            Assert.True(JpegHeader.TryRead(message.Value, out var info, out var problem), problem);
            Assert.Equal(new JpegInfo(640, 360, 3), info);
        }

        // The camera's picture, decodable: the simulator's background is (B, G, R) = (128, 96, 64).
        var last = messages[^1].Message;
        using var frame = FrameDecoder.Decode(last.Value, last.Headers.AsLookup());
        Assert.Equal(new Size(640, 360), frame.Image.Size());
        var mean = Cv2.Mean(frame.Image);
        Assert.InRange(mean.Val0, 110, 150);
        Assert.InRange(mean.Val2, 50, 90);
        // Not re-encoded at the producer's quality 10: that makes this picture far smaller than the camera's quality 85.
        Cv2.ImEncode(".jpg", frame.Image, out var atQuality10, [(int)ImwriteFlags.JpegQuality, 10]);
        Assert.True(last.Value.Length > 1.5 * atQuality10.Length,
            $"the published frame ({last.Value.Length} bytes) is about the size of a quality-10 encode ({atQuality10.Length} bytes)");

        // Stats and metrics say passthrough: every published frame went through it, none through encode.
        using var stats = await producer.StatsAsync();
        var camera = Assert.Single(stats.RootElement.GetProperty("cameras").EnumerateArray());
        var published = camera.GetProperty("published").GetInt64();
        Assert.InRange(camera.GetProperty("passedThrough").GetInt64(), published, published + 20);
        Assert.Equal(0, camera.GetProperty("dropped").GetInt64());
        var stages = ProducerTestHost.StageFrames(stats);
        Assert.Equal(0, stages["encode"]);
        Assert.InRange(stages["jpeg-check"], published, published + 20);
        Assert.True(passedThrough.GetValueOrDefault("mjpeg-cam") >= messages.Count,
            $"producer.frames.passed_through counted {passedThrough.GetValueOrDefault("mjpeg-cam")}");
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("connected", StringComparison.Ordinal)
            && entry.Message.Contains("passing its JPEGs through", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Passthrough_never_has_ffmpeg_re_encode_a_motion_jpeg_camera_keeping_its_full_range_tones()
    {
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "mjpeg-cam",
            ["Producer:Cameras:0:Url"] = fixture.Camera.Url,
            ["Producer:Cameras:0:Passthrough"] = "Never",
        });
        using var consumer = fixture.Consumer(topic);
        var messages = ProducerFixture.Consume(consumer, 10, Deadline);

        Assert.Equal(0, producer.Camera("mjpeg-cam").PassedThrough);
        var metadata = FrameMetadata.ReadHeaders(messages[0].Message.Headers.AsLookup());
        Assert.Equal(new FrameMetadata("mjpeg-cam", 0, metadata!.CaptureTimestampMicros, 640, 360, 3, FrameEncoding.Jpeg), metadata);
        // The first connection assumes TV range, as most cameras send; a JPEG camera's pixels are full range.
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("full range", StringComparison.Ordinal)
            && entry.Message.Contains("reopening it encoding JPEG in ffmpeg", StringComparison.Ordinal));
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("connected", StringComparison.Ordinal)
            && entry.Message.Contains("JPEG from ffmpeg", StringComparison.Ordinal));

        // Not stretched as if it were TV range: the same tones as the camera's own JPEGs.
        var reencoded = ProducerFixture.Pictures(messages);
        var own = await fixture.PicturesAsync(fixture.Camera.Url, 10);
        ToneAssert.Alike(own, reencoded, "ffmpeg's JPEGs of the full-range Motion JPEG camera");
    }

    [Fact]
    public async Task Passthrough_never_with_the_opencv_encoder_decodes_a_motion_jpeg_camera_to_pixels()
    {
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "mjpeg-cam",
            ["Producer:Cameras:0:Url"] = fixture.Camera.Url,
            ["Producer:Cameras:0:Passthrough"] = "Never",
            ["Producer:JpegEncoder"] = "OpenCv",
        });
        var camera = producer.Camera("mjpeg-cam");
        await Poll.UntilAsync(() => camera.Published >= 10, Deadline, () => $"published {camera.Published}; last error {camera.LastError}");

        Assert.Equal(0, camera.PassedThrough);
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("connected", StringComparison.Ordinal)
            && entry.Message.Contains("decoding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupt_jpeg_from_the_camera_is_skipped_counted_and_logged_and_never_published()
    {
        var topic = await fixture.CreateTopicAsync();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var board = new CameraStatusBoard();
        var status = board.For("cam");
        using var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
        using var kafka = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = fixture.Broker.BootstrapServers }).Build();
        var camera = new CameraOptions { Id = "cam", Url = "rtsp://127.0.0.1/unused" };
        var queue = Channel.CreateUnbounded<CapturedFrame>();
        using var publisher = new FramePublisher(camera, new ProducerOptions { Topic = topic }, queue.Reader, kafka, status,
            new ProducerMetrics(meters, board), new KafkaClientMetrics(meters), TimeProvider.System, loggers.CreateLogger<FramePublisher>());
        var good = JpegSplittingTests.Jpeg(64, 48, seed: 1);
        var cutOff = JpegSplittingTests.Jpeg(64, 48, seed: 2)[..^50];
        var noSof = JpegSplittingTests.Jpeg(64, 48, seed: 3);
        noSof[JpegSplittingTests.IndexOfMarker(noSof, 0xC0) + 1] = 0xFE; // FF C0 becomes FF FE: the size header is now a comment
        foreach (var piece in new[] { good, cutOff, noSof, good })
        {
            Assert.True(queue.Writer.TryWrite(CapturedFrame.FromJpeg(piece, passedThrough: true)));
        }
        queue.Writer.Complete();

        await publisher.RunAsync(CancellationToken.None).WaitAsync(Deadline);
        kafka.Flush(Deadline);

        Assert.Equal(2, status.DroppedFor(DropReasons.CorruptJpeg));
        Assert.Equal(2, status.Published);
        Assert.Equal(2, status.PassedThrough);
        using var consumer = fixture.Consumer(topic);
        var published = ProducerFixture.Consume(consumer, 2, Deadline);
        Assert.All(published, message => Assert.Equal(good, message.Message.Value));
        // The skipped frames take no sequence number: consumers see no gap for a frame that never was one.
        Assert.Equal([0L, 1L], published.Select(message => FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!.Sequence!.Value));
        var warning = Assert.Single(logs.Entries,
            entry => entry.Level == LogLevel.Warning && entry.Message.Contains("skipped", StringComparison.Ordinal));
        Assert.Contains("cut off", warning.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt-jpeg", warning.Message, StringComparison.Ordinal);
        Assert.Contains("no SOF header", status.LastError, StringComparison.Ordinal);
    }

    private static MeterListener ListenToPassedThrough(ConcurrentDictionary<string, long> counts)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ProducerMetrics.MeterName && instrument.Name == "producer.frames.passed_through")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == ProducerMetrics.CameraTag && tag.Value is string camera)
                {
                    counts.AddOrUpdate(camera, value, (_, sum) => sum + value);
                }
            }
        });
        listener.Start();
        return listener;
    }
}
