using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AspirePipeline.Tests.Producer;

/// <summary>The Producer against the real broker process, the GStreamer RTSP simulator and Debian's ffmpeg.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ProducerTests(ProducerFixture fixture) : IClassFixture<ProducerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Rtsp_frames_arrive_in_order_with_contiguous_sequences_contract_headers_and_trace_context()
    {
        var topic = await fixture.CreateTopicAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = ListenToProducerSpans(spans);
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "cam-a",
            ["Producer:Cameras:0:Url"] = fixture.Camera.Url,
        });
        using var consumer = fixture.Consumer(topic);

        var messages = ProducerFixture.Consume(consumer, 30, Deadline);

        var lastCapture = 0L;
        for (var index = 0; index < messages.Count; index++)
        {
            var message = messages[index];
            Assert.Equal("cam-a", message.Message.Key);
            var metadata = FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup());
            Assert.NotNull(metadata);
            Assert.Equal(new FrameMetadata("cam-a", index, metadata.CaptureTimestampMicros, 640, 360, 3, FrameEncoding.Jpeg), metadata);
            Assert.True(metadata.CaptureTimestampMicros >= lastCapture, $"capture time went backwards at sequence {index}");
            lastCapture = metadata.CaptureTimestampMicros!.Value;
            Assert.Equal(metadata.CaptureTime!.Value.ToUnixTimeMilliseconds(), message.Message.Timestamp.UnixTimestampMs);

            var traced = KafkaTraceContext.Extract(message.Message.Headers);
            Assert.Equal(index % 5 == 0, traced != default);
        }
        Assert.InRange(DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(lastCapture / 1000), TimeSpan.Zero, TimeSpan.FromMinutes(1));

        // The simulator's background is (B, G, R) = (128, 96, 64): decoding must give OpenCV's BGR order back.
        using var frame = FrameDecoder.Decode(messages[^1].Message.Value, messages[^1].Message.Headers.AsLookup());
        Assert.Equal(new Size(640, 360), frame.Image.Size());
        var mean = Cv2.Mean(frame.Image);
        Assert.InRange(mean.Val0, 110, 150);
        Assert.InRange(mean.Val2, 50, 90);

        // The publish span of a traced frame carries where Kafka put it.
        var tracedMessage = messages[5];
        var context = KafkaTraceContext.Extract(tracedMessage.Message.Headers);
        await Poll.UntilAsync(() => spans.Any(span => span.SpanId == context.SpanId), Deadline, () => "no publish span for frame 5");
        var spanOfFrame = spans.Single(span => span.SpanId == context.SpanId);
        Assert.Equal($"{topic} publish", spanOfFrame.DisplayName);
        Assert.Equal(ActivityKind.Producer, spanOfFrame.Kind);
        Assert.Equal("kafka", spanOfFrame.GetTagItem(MessagingTags.System));
        Assert.Equal(topic, spanOfFrame.GetTagItem(MessagingTags.DestinationName));
        Assert.Equal(tracedMessage.Offset.Value, spanOfFrame.GetTagItem(MessagingTags.KafkaOffset));
        Assert.Equal(0, spanOfFrame.GetTagItem(MessagingTags.KafkaPartition));
        Assert.Equal(5L, spanOfFrame.GetTagItem("frame.sequence"));
        Assert.Equal("cam-a", spanOfFrame.GetTagItem("camera.id"));

        var health = await producer.HealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task Camera_loss_is_reported_then_reconnected_and_counted_with_sequences_still_contiguous()
    {
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Camera:Url"] = fixture.Camera.Url,
        });
        var camera = producer.Camera("camera");
        await Poll.UntilAsync(() => camera.Published >= 10, Deadline, () => $"published {camera.Published} before the loss");

        await fixture.Camera.KillAsync();
        await Poll.UntilAsync(() => !camera.Connected, Deadline, () => "the loss was not noticed");
        var whileDown = await producer.HealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, whileDown.Status);
        Assert.Contains("camera 'camera' is not connected", whileDown.Description, StringComparison.Ordinal);
        Assert.Contains(producer.Logs.Entries,
            entry => entry.Level == LogLevel.Warning && entry.Message.Contains("stream lost", StringComparison.Ordinal));

        await fixture.Camera.StartAgainAsync();
        var publishedBefore = camera.Published;
        await Poll.UntilAsync(() => camera.Reconnects == 1 && camera.Published >= publishedBefore + 10, Deadline,
            () => $"reconnects {camera.Reconnects}, published {camera.Published} (was {publishedBefore}); last error: {camera.LastError}");
        await Poll.UntilAsync(async () => (await producer.HealthAsync()).Status == HealthStatus.Healthy, Deadline,
            () => "health did not recover");
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("reconnected", StringComparison.Ordinal));

        // Every frame Kafka acknowledged is in the topic, numbered without gaps across the reconnect.
        using var consumer = fixture.Consumer(topic);
        var messages = ProducerFixture.Consume(consumer, (int)camera.Published, Deadline);
        var sequences = messages.Select(message => FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!.Sequence!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(value => (long)value), sequences);
    }

    [Fact]
    public async Task Health_is_degraded_during_the_first_connection_attempt_and_unhealthy_once_it_fails()
    {
        // A "camera" that accepts the TCP connection and never answers RTSP: ffmpeg's first attempt hangs.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Camera:Url"] = $"rtsp://127.0.0.1:{port}/camera",
            ["Producer:StallTimeout"] = "00:00:08",
        });
        using var accepted = await silent.AcceptSocketAsync().WaitAsync(Deadline);

        var connecting = await producer.HealthAsync();
        Assert.Equal(HealthStatus.Degraded, connecting.Status);
        Assert.Contains("Connecting to camera(s) 'camera' for the first time", connecting.Description, StringComparison.Ordinal);

        // The stall timeout ends the attempt; from then on the camera is a failure, not a start-up.
        await Poll.UntilAsync(async () => (await producer.HealthAsync()).Status == HealthStatus.Unhealthy, Deadline,
            () => "health did not turn Unhealthy after the first attempt stalled");
        var failed = await producer.HealthAsync();
        Assert.Contains("camera 'camera' is not connected", failed.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FrameEncoding.RawBgr)]
    [InlineData(FrameEncoding.SeedJson)]
    public async Task Synthetic_source_publishes_decodable_moving_frames_of_the_configured_size(FrameEncoding encoding)
    {
        var topic = await fixture.CreateTopicAsync();
        var measured = new ConcurrentDictionary<string, double>();
        using var meters = ListenToProducerMetrics(measured);
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "synthetic-1",
            ["Producer:Cameras:0:Url"] = "synthetic://?width=160&height=120&fps=25",
            ["Producer:Encoding"] = encoding.ToString(),
        });
        using var consumer = fixture.Consumer(topic);

        var messages = ProducerFixture.Consume(consumer, 10, Deadline);

        using var first = FrameDecoder.Decode(messages[0].Message.Value, messages[0].Message.Headers.AsLookup());
        using var last = FrameDecoder.Decode(messages[^1].Message.Value, messages[^1].Message.Headers.AsLookup());
        Assert.Equal(encoding, first.Metadata.Encoding);
        Assert.Equal(new Size(160, 120), first.Image.Size());
        Assert.Equal(new Size(160, 120), last.Image.Size());
        Assert.True(Cv2.Norm(first.Image, last.Image, NormTypes.L1) > 0, "the synthetic picture does not move");
        Assert.Equal(0, producer.Camera("synthetic-1").Dropped.Values.Sum());

        meters.RecordObservableInstruments();
        Assert.True(measured.GetValueOrDefault("producer.frames.captured") >= 10);
        Assert.True(measured.GetValueOrDefault("producer.frames.published") >= 10);
        Assert.True(measured.GetValueOrDefault("producer.camera.connected") >= 1);
        var frameBytes = encoding == FrameEncoding.RawBgr ? 160 * 120 * 3 : 160 * 120 * 4 * 4 / 3;
        Assert.InRange(measured.GetValueOrDefault("producer.frame.size"), frameBytes, frameBytes + 100);
        Assert.InRange(measured.GetValueOrDefault("producer.capture_to_publish.duration"), 0.01, 10_000);
    }

    [Fact]
    public async Task Oversize_frame_is_not_published_and_gives_a_clear_error()
    {
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            // 1280x720 raw BGR is 2.7 MB, over a 1 MB message.max.bytes.
            ["Producer:Camera:Url"] = "synthetic://?width=1280&height=720&fps=10",
            ["Producer:Encoding"] = "RawBgr",
            ["Aspire:Confluent:Kafka:Producer:Config:MessageMaxBytes"] = "1000000",
        });
        var camera = producer.Camera("camera");

        await Poll.UntilAsync(() => camera.DroppedFor("message-too-large") >= 3, Deadline,
            () => $"dropped: {string.Join(", ", camera.Dropped)}; last error {camera.LastError}");

        Assert.Equal(0, camera.Published);
        Assert.Contains("2764800 bytes is larger than Kafka accepts", camera.LastError, StringComparison.Ordinal);
        var error = Assert.Single(producer.Logs.Entries,
            entry => entry.Level == LogLevel.Error && entry.Message.Contains("message-too-large", StringComparison.Ordinal));
        Assert.Contains("Aspire:Confluent:Kafka:Producer:Config:MessageMaxBytes", error.Message, StringComparison.Ordinal);
        using var consumer = fixture.Consumer(topic);
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(0, watermarks.High.Value);
    }

    [Fact]
    public async Task Frames_kafka_never_acknowledges_are_counted_as_dropped_and_logged_not_lost_silently()
    {
        await using var producer = await ProducerTestHost.StartAsync(
            $"127.0.0.1:{Ports.Unused()}", "frames", new Dictionary<string, string?>
            {
                ["Producer:Camera:Url"] = "synthetic://?width=64&height=48&fps=20",
                ["Aspire:Confluent:Kafka:Producer:Config:MessageTimeoutMs"] = "1000",
            });
        var camera = producer.Camera("camera");

        await Poll.UntilAsync(() => camera.DroppedFor("delivery-failed") >= 10, Deadline,
            () => $"dropped: {string.Join(", ", camera.Dropped)}");

        Assert.Equal(0, camera.Published);
        Assert.True(camera.Captured >= camera.DroppedFor("delivery-failed"));
        Assert.Contains("Local_MsgTimedOut", camera.LastError, StringComparison.Ordinal);
        // Throttled: one line per reason per interval, not one per frame.
        var logged = producer.Logs.Entries.Count(
            entry => entry.Level == LogLevel.Error && entry.Message.Contains("delivery-failed", StringComparison.Ordinal));
        Assert.InRange(logged, 1, 2);
    }

    [Fact]
    public async Task Broker_restart_loses_no_acknowledged_frame()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topic = $"restart-{Guid.NewGuid():N}"[..20];
        await using var producer = await ProducerTestHost.StartAsync(broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Camera:Url"] = "synthetic://?width=160&height=120&fps=20",
        });
        var camera = producer.Camera("camera");
        await Poll.UntilAsync(() => camera.Published >= 20, Deadline, () => $"published {camera.Published} before the restart");

        broker.Kill();
        var acknowledgedBeforeKill = camera.LastPublishedSequence;
        await broker.RestartAsync();
        await Poll.UntilAsync(() => camera.LastPublishedSequence >= acknowledgedBeforeKill + 20, Deadline,
            () => $"last acknowledged sequence {camera.LastPublishedSequence} (was {acknowledgedBeforeKill}); " +
                $"dropped {string.Join(", ", camera.Dropped)}");

        var lastAcknowledged = camera.LastPublishedSequence;
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = $"restart-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
        }).Build();
        var partitions = Enumerable.Range(0, 3).Select(partition => new TopicPartitionOffset(topic, partition, Offset.Beginning));
        consumer.Assign(partitions);
        var sequences = new List<long>();
        var until = DateTime.UtcNow + Deadline;
        while ((sequences.Count == 0 || sequences.Max() < lastAcknowledged) && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                sequences.Add(FrameMetadata.ReadHeaders(result.Message.Headers.AsLookup())!.Sequence!.Value);
            }
        }

        var missing = Enumerable.Range(0, (int)lastAcknowledged + 1).Select(value => (long)value).Except(sequences).ToList();
        var dropped = camera.DroppedFor("delivery-failed");
        Assert.True(missing.Count <= dropped, $"frames missing from Kafka: {string.Join(", ", missing.Take(20))}; counted as dropped: {dropped}");
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        Assert.Equal(sequences.Order(), sequences);
    }

    [Fact]
    public async Task Stats_endpoint_reports_camera_counts_and_the_cpu_time_of_encode_and_publish_per_frame()
    {
        var topic = await fixture.CreateTopicAsync();
        var stageCpu = new ConcurrentDictionary<string, double>();
        using var meters = ListenToStageCpuTime(stageCpu);
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Camera:Url"] = "synthetic://?width=640&height=480&fps=20",
        });
        var camera = producer.Camera("camera");
        await Poll.UntilAsync(() => camera.Published >= 20, Deadline, () => $"published {camera.Published}");
        using var http = new HttpClient { BaseAddress = producer.Address, Timeout = Deadline };

        using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));

        var cameraStats = Assert.Single(stats.RootElement.GetProperty("cameras").EnumerateArray());
        Assert.Equal("camera", cameraStats.GetProperty("id").GetString());
        Assert.True(cameraStats.GetProperty("connected").GetBoolean());
        var captured = cameraStats.GetProperty("captured").GetInt64();
        var published = cameraStats.GetProperty("published").GetInt64();
        Assert.Equal(0, cameraStats.GetProperty("dropped").GetInt64());
        Assert.InRange(published, 20, captured);
        Assert.Equal("thread-cpu", stats.RootElement.GetProperty("cpuClock").GetString());

        var stages = stats.RootElement.GetProperty("stages").EnumerateArray().ToDictionary(
            stage => stage.GetProperty("name").GetString()!,
            stage => (Frames: stage.GetProperty("frames").GetInt64(), CpuMs: stage.GetProperty("cpuMs").GetDouble()));
        Assert.Equal(["encode", "jpeg-check", "publish"], stages.Keys);
        Assert.Equal(0, stages["jpeg-check"].Frames);
        Assert.Equal(0, cameraStats.GetProperty("passedThrough").GetInt64());
        var (encodeFrames, encodeMs) = stages["encode"];
        var (publishFrames, publishMs) = stages["publish"];
        // Stages are read after the camera counts: every acknowledged frame went through both; a few more may be in flight.
        Assert.InRange(publishFrames, published, published + 20);
        Assert.InRange(encodeFrames, publishFrames - 1, publishFrames + 1);
        // Both stages measured, each within sane bounds. Which costs more is a benchmark's question (docs/benchmarks.md,
        // CPU floor), not a test's: on a loaded machine publish's first frames (librdkafka's start) outweighed encode.
        Assert.InRange(encodeMs / encodeFrames, 0.05, 500);
        Assert.InRange(publishMs / publishFrames, 0.000_1, 50);

        meters.RecordObservableInstruments();
        Assert.Equal(["encode", "jpeg-check", "publish"], stageCpu.Keys.Order());
        // Collected after /stats answered, so at least what it reported (which is rounded to the microsecond).
        Assert.True(stageCpu["encode"] * 1000 >= encodeMs - 0.001,
            $"producer.stage.cpu_time encode {stageCpu["encode"]} s < /stats {encodeMs} ms");
        Assert.True(stageCpu["publish"] * 1000 >= publishMs - 0.001,
            $"producer.stage.cpu_time publish {stageCpu["publish"]} s < /stats {publishMs} ms");
    }

    /// <summary>Keeps, per instrument of the Producer's meter, the last value seen (counters: the running sum).</summary>
    private static MeterListener ListenToProducerMetrics(ConcurrentDictionary<string, double> measured)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "AspirePipeline.Producer")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value) =>
            measured.AddOrUpdate(instrument.Name, value, (_, sum) => instrument is Counter<long> ? sum + value : value);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument, value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument, value));
        listener.Start();
        return listener;
    }

    /// <summary>Keeps the latest <c>producer.stage.cpu_time</c> value (seconds) per <c>stage</c> tag.</summary>
    private static MeterListener ListenToStageCpuTime(ConcurrentDictionary<string, double> seconds)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "AspirePipeline.Producer" && instrument.Name == "producer.stage.cpu_time")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "stage" && tag.Value is string stage)
                {
                    seconds[stage] = value;
                }
            }
        });
        listener.Start();
        return listener;
    }

    private static ActivityListener ListenToProducerSpans(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AspirePipeline.Producer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
