using System.Net;
using System.Text;
using System.Text.Json;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

/// <summary>The consumer service against the real broker process, fed with frames encoded by the Frames library.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ConsumerServiceTests(ConsumerBrokerFixture fixture) : IClassFixture<ConsumerBrokerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Only Close() and revocation may commit, so the tests see exactly what those commit.</summary>
    private static readonly Dictionary<string, string?> NoTimedCommits = new()
    {
        ["Aspire:Confluent:Kafka:Consumer:Config:AutoCommitIntervalMs"] = "600000",
    };

    private string Bootstrap => fixture.BootstrapServers;

    [Fact]
    public async Task Every_frame_is_processed_once_in_order_with_the_right_means_and_a_restart_resumes_without_gaps()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 2);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        await frames.ProduceAsync("cam-a", 0, 15, partition: 0);
        await frames.ProduceAsync("cam-b", 0, 15, partition: 1);

        await using (var first = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, NoTimedCommits))
        {
            results.ReadUntil(30, Deadline);
        }
        Assert.Equal([15L, 15L], Committed(group, topics.Frames, partitions: 2));

        await frames.ProduceAsync("cam-a", 15, 10, partition: 0);
        await frames.ProduceAsync("cam-b", 15, 10, partition: 1);
        await using (var second = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, NoTimedCommits))
        {
            results.ReadUntil(50, Deadline);
            Assert.Equal(20, second.Statistics.FramesProcessed);
            Assert.Equal((0L, 0L), (second.Statistics.MissingFrames, second.Statistics.RepeatedFrames));
        }
        Assert.Equal([25L, 25L], Committed(group, topics.Frames, partitions: 2));

        var records = results.ReadToEnd(Deadline).Count == 50 ? results.Records() : throw new Xunit.Sdk.XunitException(
            $"expected 50 result records, found {results.Messages.Count}: some frame was processed twice");
        foreach (var camera in new[] { "cam-a", "cam-b" })
        {
            var ofCamera = records.Where(record => record.Camera == camera).ToList();
            Assert.Equal(Enumerable.Range(0, 25).Select(i => (long?)i), ofCamera.Select(record => record.Sequence));
        }
        foreach (var record in records)
        {
            var expected = frames.ExpectedMeans[(record.Camera, record.Sequence!.Value)];
            Assert.Equal(group, record.Group);
            Assert.Equal(MeanIntensityAnalyzer.AnalyzerName, record.Analyzer);
            Assert.Equal(expected.Val0, record.Values["blue"], 9);
            Assert.Equal(expected.Val1, record.Values["green"], 9);
            Assert.Equal(expected.Val2, record.Values["red"], 9);
            Assert.Equal((expected.Val0 + expected.Val1 + expected.Val2) / 3, record.Value, 9);
            Assert.Equal((FrameSource.Width, FrameSource.Height), (record.Width, record.Height));
            Assert.NotNull(record.LatencyMs);
            Assert.True(record.ProcessedTimestamp >= record.CaptureTimestamp);
        }
    }

    [Fact]
    public async Task A_group_with_a_camera_list_analyses_only_those_cameras_and_passes_the_others_over_committed()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        // Interleaved on one partition, so the passed-over frames sit between analysed ones.
        for (var sequence = 0; sequence < 10; sequence++)
        {
            await frames.ProduceAsync("lobby", sequence, 1);
            await frames.ProduceAsync("street", sequence, 1);
        }

        var settings = new Dictionary<string, string?>(NoTimedCommits) { ["FrameProcessing:Cameras:0"] = "street" };
        await using (var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, settings))
        {
            results.ReadUntil(10, Deadline);
            await Poll.UntilAsync(() => host.Statistics.OtherCameraFrames == 10, Deadline,
                () => $"{host.Statistics.OtherCameraFrames} of 10 lobby frames passed over");
            Assert.Equal(10, host.Statistics.FramesProcessed);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => ("street", (long?)i)), results.ReadToEnd(Deadline).Count == 10
            ? results.Records().Select(record => (record.Camera, record.Sequence)) : []);
        // Every offset committed, the passed-over frames' too: a restart does not read them again.
        Assert.Equal([20L], Committed(group, topics.Frames, partitions: 1));
    }

    [Fact]
    public async Task Poison_messages_go_to_the_dead_letter_topic_with_their_reason_and_processing_continues()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var encoder = new FrameEncoder();
        using var image = FrameSource.Draw("cam-p", 1);
        var valid = encoder.Encode(image, "cam-p", 1, FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow));

        await frames.ProduceAsync("cam-p", 0, 1);
        var garbage = Encoding.ASCII.GetBytes("definitely not a JPEG");
        var truncated = valid.Payload[..(valid.Payload.Length / 2)];
        var poison = new (byte[] Value, Headers Headers, string Reason)[]
        {
            (garbage, HeadersOf(valid.Metadata), "undecodable-image"),
            (truncated, HeadersOf(valid.Metadata), "undecodable-image"),
            (valid.Payload, HeadersOf(valid.Metadata, (FrameHeaders.Width, "wide")), "bad-header"),
            (valid.Payload, new Headers { { FrameHeaders.CameraId, "cam-p"u8.ToArray() } }, "missing-header"),
            (valid.Payload, HeadersOf(valid.Metadata, (FrameHeaders.Width, "100000")), "absurd-dimensions"),
            (garbage, [], "missing-header"),
        };
        var offsets = new List<long>();
        foreach (var (value, headers, _) in poison)
        {
            offsets.Add((await frames.ProduceRawAsync("cam-p", value, headers)).Offset.Value);
        }
        await frames.ProduceAsync("cam-p", 1, 1);

        using var results = new TopicReader(Bootstrap, topics.Results);
        using var deadLetters = new TopicReader(Bootstrap, topics.DeadLetter);
        await using (var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, NoTimedCommits))
        {
            Assert.Equal([0L, 1L], results.ReadUntil(2, Deadline).Count == 2
                ? results.Records().Select(record => record.Sequence!.Value) : []);
            deadLetters.ReadUntil(poison.Length, Deadline);
            Assert.Equal(poison.Length, host.Statistics.PoisonMessages);
            Assert.Equal(2, host.Statistics.FramesProcessed);
        }
        Assert.Equal([8L], Committed(group, topics.Frames, partitions: 1));

        var dead = deadLetters.ReadToEnd(Deadline);
        Assert.Equal(poison.Length, dead.Count);
        for (var i = 0; i < poison.Length; i++)
        {
            var message = dead[i].Message;
            Assert.Equal(poison[i].Reason, Header(message.Headers, DeadLetterHeaders.Reason));
            Assert.Equal($"{topics.Frames}/0/{offsets[i]}", Header(message.Headers, DeadLetterHeaders.Source));
            Assert.Equal(group, Header(message.Headers, DeadLetterHeaders.Group));
            Assert.False(string.IsNullOrWhiteSpace(Header(message.Headers, DeadLetterHeaders.Error)));
            Assert.Equal(poison[i].Value, message.Value);
            Assert.Equal("cam-p", message.Key);
            // The original headers travel with the message, so it can be inspected or replayed.
            foreach (var original in poison[i].Headers)
            {
                Assert.Contains(message.Headers, header => header.Key == original.Key
                    && header.GetValueBytes().AsSpan().SequenceEqual(original.GetValueBytes()));
            }
        }
    }

    [Fact]
    public async Task The_live_view_serves_stats_health_the_page_and_an_mjpeg_stream_of_overlay_frames()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics,
            $"group-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["FrameProcessing:SummaryInterval"] = "00:00:00.200" });
        using var http = new HttpClient { BaseAddress = host.Address, Timeout = Deadline };
        var hub = host.Services.GetRequiredService<LiveFrameHub>();

        using var stream = await http.GetAsync("/video.mjpeg", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("multipart/x-mixed-replace", stream.Content.Headers.ContentType?.MediaType);
        await Poll.UntilAsync(() => hub.Viewers == 1, Deadline, () => "the stream counts as a viewer");
        await frames.ProduceAsync("cam-l", 0, 3);

        await using var body = await stream.Content.ReadAsStreamAsync();
        using var jpeg = Cv2.ImDecode(await ReadFirstPartAsync(body).WaitAsync(Deadline), ImreadModes.Color);
        Assert.Equal(new Size(FrameSource.Width, FrameSource.Height), jpeg.Size());

        var telemetry = host.Services.GetRequiredService<FrameProcessingTelemetry>();
        await Poll.UntilAsync(() => host.Statistics.Latest.FramesProcessed == 3 && telemetry.Report.Frames == 3,
            Deadline, () => "the statistics window includes the three frames and their reporting is done");
        using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
        Assert.Equal(MeanIntensityAnalyzer.AnalyzerName, stats.RootElement.GetProperty("analyzer").GetString());
        var window = stats.RootElement.GetProperty("stats");
        Assert.Equal(3, window.GetProperty("framesProcessed").GetInt64());
        Assert.Equal("cam-l", window.GetProperty("lastCamera").GetString());
        Assert.Equal(2, window.GetProperty("lastSequence").GetInt64());
        Assert.Equal([0], window.GetProperty("assignedPartitions").EnumerateArray().Select(p => p.GetInt32()));
        AssertStagesOf(stats.RootElement, host.Statistics.FramesProcessed);
        // Where the consumer's frames are, from librdkafka's statistics (every second): all three handed over.
        await Poll.UntilAsync(async () =>
        {
            using var latest = JsonDocument.Parse(await http.GetStringAsync("/stats"));
            return latest.RootElement.TryGetProperty("kafka", out var kafka) && kafka.ValueKind == JsonValueKind.Object
                && kafka.GetProperty("fetchRequests").GetInt64() > 0
                && kafka.GetProperty("partitions").EnumerateArray().Any(p =>
                    p.GetProperty("topic").GetString() == topics.Frames && p.GetProperty("appOffset").GetInt64() == 3
                    && p.GetProperty("highWatermark").GetInt64() == 3);
        }, Deadline, () => "/stats has no kafka fetch state with the three frames handed to the application");

        var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("video.mjpeg", await http.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_consumer_far_behind_skips_to_the_newest_frame_and_counts_the_skipped_ones()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        await frames.ProduceAsync("cam-s", 0, 30);

        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics,
            $"group-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["FrameProcessing:SkipToNewestWhenLagExceeds"] = "5" });
        results.ReadUntil(1, Deadline);
        Assert.Equal(29, results.Records().Single().Sequence);
        Assert.Equal(29, host.Statistics.SkippedFrames);

        // Within the limit nothing is skipped.
        await frames.ProduceAsync("cam-s", 30, 3);
        results.ReadUntil(4, Deadline);
        Assert.Equal([29L, 30L, 31L, 32L], results.Records().Select(record => record.Sequence!.Value));
        Assert.Equal(29, host.Statistics.SkippedFrames);
        Assert.Equal(0, host.Statistics.MissingFrames);
    }

    [Fact]
    public async Task Frames_skip_to_newest_passes_over_while_running_are_counted_as_skipped_not_missing()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        await using var host = await ConsumerTestHost.StartAsync<GatedAnalyzer>(Bootstrap, topics,
            $"group-{Guid.NewGuid():N}", new Dictionary<string, string?> { ["FrameProcessing:SkipToNewestWhenLagExceeds"] = "5" });
        await frames.ProduceAsync("cam-g", 0, 5);
        results.ReadUntil(5, Deadline);

        // The analysis stalls on frame 5 while 44 more arrive: a backlog forms while the consumer runs, as it does when
        // a detector is slower than its camera.
        GatedAnalyzer.Gate.Reset();
        try
        {
            await frames.ProduceAsync("cam-g", 5, 45);
        }
        finally
        {
            GatedAnalyzer.Gate.Set();
        }

        await Poll.UntilAsync(() => results.ReadToEnd(Deadline).Count > 0 && results.Records()[^1].Sequence == 49, Deadline,
            () => $"{results.Messages.Count} results, the newest of frame {results.Records().LastOrDefault()?.Sequence}, not 49");
        Assert.True(host.Statistics.SkippedFrames > 0, "nothing was skipped: the backlog did not form");
        Assert.Equal(50, host.Statistics.FramesProcessed + host.Statistics.SkippedFrames);
        Assert.Equal(0, host.Statistics.MissingFrames);
    }

    [Fact]
    public async Task A_group_at_five_fps_analyses_five_frames_a_second_per_camera_and_counts_the_rest_as_sampled_out()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        // Two 30 fps cameras, 3 s of each, interleaved on one partition as they arrive from a producer.
        const int Seconds = 3, CameraFps = 30, Frames = Seconds * CameraFps;
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        DateTimeOffset Captured(long sequence) => start.AddTicks(sequence * TimeSpan.TicksPerSecond / CameraFps);
        for (var sequence = 0; sequence < Frames; sequence++)
        {
            await frames.ProduceAsync("gate", sequence, 1, capturedAt: Captured);
            await frames.ProduceAsync("dock", sequence, 1, capturedAt: s => Captured(s).AddMilliseconds(11));
        }

        var settings = new Dictionary<string, string?>(NoTimedCommits) { ["FrameProcessing:Fps"] = "5" };
        await using (var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, settings))
        {
            await Poll.UntilAsync(() => host.Statistics.FramesProcessed + host.Statistics.SampledOutFrames == 2 * Frames, Deadline,
                () => $"{host.Statistics.FramesProcessed} analysed + {host.Statistics.SampledOutFrames} sampled out of {2 * Frames}");
            Assert.Equal(0, host.Statistics.MissingFrames);
            Assert.Equal(0, host.Statistics.SkippedFrames);
            results.ReadUntil((int)host.Statistics.FramesProcessed, Deadline);
        }

        var records = results.ReadToEnd(Deadline).Count > 0 ? results.Records() : [];
        foreach (var camera in new[] { "gate", "dock" })
        {
            var analysed = records.Where(record => record.Camera == camera).ToList();
            Assert.InRange(analysed.Count, (5 - 1) * Seconds, (5 + 1) * Seconds);
            // Evenly spaced: 200 ms apart, give or take one frame of the camera.
            var gaps = analysed.Zip(analysed.Skip(1), (a, b) => (b.CaptureTimestamp!.Value - a.CaptureTimestamp!.Value).TotalMilliseconds);
            Assert.All(gaps, gap => Assert.InRange(gap, 200 - 34, 200 + 34));
        }
        // Every offset committed, the sampled-out frames' too: a restart does not read them again.
        Assert.Equal([2L * Frames], Committed(group, topics.Frames, partitions: 1));
    }

    [Fact]
    public async Task A_rebalance_commits_what_was_processed_so_the_new_member_does_not_repeat_it()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 2);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        await frames.ProduceAsync("cam-0", 0, 10, partition: 0);
        await frames.ProduceAsync("cam-1", 0, 10, partition: 1);

        await using var first = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, NoTimedCommits);
        results.ReadUntil(20, Deadline);
        await using var second = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, group, NoTimedCommits);
        await Poll.UntilAsync(
            () => first.Statistics.AssignedPartitions.Count == 1 && second.Statistics.AssignedPartitions.Count == 1,
            Deadline, () => "the two members share the two partitions");

        await frames.ProduceAsync("cam-0", 10, 5, partition: 0);
        await frames.ProduceAsync("cam-1", 10, 5, partition: 1);
        results.ReadUntil(30, Deadline);

        var records = results.ReadToEnd(Deadline).Count == 30 ? results.Records() : throw new Xunit.Sdk.XunitException(
            $"expected 30 result records, found {results.Messages.Count}: the new member repeated processed frames");
        Assert.Equal(30, records.Select(record => (record.Camera, record.Sequence)).Distinct().Count());
        Assert.Equal(30, first.Statistics.FramesProcessed + second.Statistics.FramesProcessed);
        Assert.Equal(0, first.Statistics.RepeatedFrames + second.Statistics.RepeatedFrames);
        Assert.True(second.Statistics.FramesProcessed > 0, "the second member processed its partition's new frames");
    }

    [Fact]
    public async Task Frames_in_flight_when_partitions_are_revoked_are_finished_and_committed_not_repeated_by_the_new_owner()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 2);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        await frames.ProduceAsync("cam-0", 0, 60, partition: 0);
        await frames.ProduceAsync("cam-1", 0, 60, partition: 1);

        // A slow analysis keeps the channel full, so the rebalance finds frames handed over but not yet processed;
        // frequent heartbeats make the busy member hear of the rebalance at once.
        var settings = new Dictionary<string, string?>(NoTimedCommits)
        {
            ["Aspire:Confluent:Kafka:Consumer:Config:HeartbeatIntervalMs"] = "300",
            ["FrameProcessing:ChannelCapacity"] = "32",
        };
        await using var first = await ConsumerTestHost.StartAsync<SlowMeanAnalyzer>(Bootstrap, topics, group, settings);
        await Poll.UntilAsync(() => first.Statistics.FramesProcessed >= 5, Deadline, () => "the first member is busy");
        await using var second = await ConsumerTestHost.StartAsync<SlowMeanAnalyzer>(Bootstrap, topics, group, settings);
        await Poll.UntilAsync(
            () => first.Statistics.AssignedPartitions.Count == 1 && second.Statistics.AssignedPartitions.Count == 1,
            Deadline, () => "the two members share the two partitions");
        Assert.True(first.Statistics.FramesProcessed < 120, "the rebalance happened while frames were still queued");

        results.ReadUntil(120, TimeSpan.FromSeconds(90));
        var records = results.ReadToEnd(Deadline).Count == 120 ? results.Records() : throw new Xunit.Sdk.XunitException(
            $"expected 120 result records, found {results.Messages.Count}: frames in flight at the rebalance were processed twice");
        Assert.Equal(120, records.Select(record => (record.Camera, record.Sequence)).Distinct().Count());
    }

    [Fact]
    public async Task An_unexpected_processing_failure_stops_the_service_without_committing_the_failed_frame()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        await frames.ProduceAsync("cam-f", 0, 5);

        await using var host = await ConsumerTestHost.StartAsync<FailingOnFourthFrameAnalyzer>(Bootstrap, topics, group, NoTimedCommits);
        // The host stops the application once ExecuteAsync has failed, i.e. after its finally (Close) ran.
        var stopped = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await Poll.UntilAsync(() => stopped.IsCancellationRequested, Deadline, () => "the failure stops the service");

        Assert.Equal(3, host.Statistics.FramesProcessed);
        // Frames 0-2 are committed by Close(); frame 3 is not, so a restarted service processes it again.
        Assert.Equal([3L], Committed(group, topics.Frames, partitions: 1));
    }

    [Fact]
    public async Task The_motion_consumer_scores_still_frames_zero_and_moving_ones_above_zero()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        await frames.ProduceAsync("cam-m", 0, 3);

        await using var host = await ConsumerTestHost.StartAsync<MotionAnalyzer>(Bootstrap, topics, $"group-{Guid.NewGuid():N}");
        results.ReadUntil(3, Deadline);

        var records = results.Records();
        Assert.All(records, record => Assert.Equal(MotionAnalyzer.AnalyzerName, record.Analyzer));
        Assert.Equal(0, records[0].Value);
        Assert.All(records.Skip(1), record => Assert.True(record.Value > 0, $"frame {record.Sequence} moved but scored 0"));
    }

    [Fact]
    public async Task A_headerless_seed_json_message_from_the_original_clients_is_analysed_under_its_key()
    {
        var topics = await TestTopics.CreateAsync(Bootstrap, framePartitions: 1);
        using var frames = new FrameSource(Bootstrap, topics.Frames);
        using var results = new TopicReader(Bootstrap, topics.Results);
        using var encoder = new FrameEncoder(FrameEncoding.SeedJson);
        using var image = FrameSource.Draw("legacy", 3);
        var seed = encoder.Encode(image, "legacy", 3, 0).Payload;
        Scalar expected;
        using (var decoded = FrameDecoder.Decode(seed, _ => null))
        {
            expected = Cv2.Mean(decoded.Image);
        }
        // As the Go/Python clients of the original design send it: JSON only, no frame headers.
        await frames.ProduceRawAsync("legacy", seed, []);

        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(Bootstrap, topics, $"group-{Guid.NewGuid():N}");
        results.ReadUntil(1, Deadline);

        var record = results.Records().Single();
        Assert.Equal("legacy", record.Camera);
        Assert.Null(record.Sequence);
        Assert.Equal(expected.Val0, record.Values["blue"], 9);
        Assert.Equal(expected.Val1, record.Values["green"], 9);
        Assert.Equal(expected.Val2, record.Values["red"], 9);
        Assert.Equal(0, host.Statistics.PoisonMessages);
    }

    [Fact]
    public void A_missing_group_id_stops_the_start_with_the_setting_to_fix()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "",
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddFrameProcessing<MeanIntensityAnalyzer>());

        Assert.Contains("Aspire:Confluent:Kafka:Consumer:Config:GroupId", error.Message);
    }

    private long[] Committed(string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
        }).Build();
        return consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), Deadline)
            .OrderBy(offset => offset.Partition.Value)
            .Select(offset => offset.Offset.Value)
            .ToArray();
    }

    private static Headers HeadersOf(FrameMetadata metadata, params (string Name, string Value)[] overrides)
    {
        var headers = new Headers();
        metadata.WriteHeaders((name, value) =>
        {
            var replaced = overrides.Where(o => o.Name == name).Select(o => Encoding.ASCII.GetBytes(o.Value)).FirstOrDefault();
            headers.Add(name, replaced ?? value);
        });
        return headers;
    }

    private static string? Header(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : null;

    /// <summary>Reads the first part of a multipart MJPEG stream: boundary, part headers, Content-Length bytes.</summary>
    private static async Task<byte[]> ReadFirstPartAsync(Stream body)
    {
        var contentLength = -1;
        while (true)
        {
            var line = await ReadLineAsync(body);
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.Length == 0 && contentLength >= 0)
            {
                break;
            }
        }
        var jpeg = new byte[contentLength];
        await body.ReadExactlyAsync(jpeg);
        return jpeg;
    }

    private static async Task<string> ReadLineAsync(Stream body)
    {
        var line = new StringBuilder();
        var buffer = new byte[1];
        while (await body.ReadAsync(buffer) == 1)
        {
            if (buffer[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }
            line.Append((char)buffer[0]);
        }
        throw new EndOfStreamException("The MJPEG stream ended before a frame arrived.");
    }

    /// <summary>The mean-intensity analysis after real extra work (repeated blurs), tens of milliseconds per frame.</summary>
    public sealed class SlowMeanAnalyzer : IFrameAnalyzer
    {
        private readonly MeanIntensityAnalyzer _inner = new();

        public string Name => "slow-mean-intensity";

        public FrameAnalysis Analyze(string cameraId, Mat image)
        {
            using var blurred = new Mat();
            image.CopyTo(blurred);
            for (var pass = 0; pass < 16; pass++)
            {
                Cv2.GaussianBlur(blurred, blurred, new Size(31, 31), 0);
            }
            return _inner.Analyze(cameraId, blurred);
        }
    }

    /// <summary>Mean intensity, except that the fourth frame hits a bug the pipeline does not know how to handle.</summary>
    public sealed class FailingOnFourthFrameAnalyzer : IFrameAnalyzer
    {
        private readonly MeanIntensityAnalyzer _inner = new();
        private int _frames;

        public string Name => "failing-mean-intensity";

        public FrameAnalysis Analyze(string cameraId, Mat image) =>
            ++_frames == 4 ? throw new InvalidOperationException("analyzer bug") : _inner.Analyze(cameraId, image);
    }

    /// <summary>
    /// <c>/stats</c> lists decode, analysis and report with one frame per processed frame and plausible CPU time:
    /// a 320x240 JPEG takes well under half a second and more than nothing to decode and to analyse.
    /// </summary>
    private static void AssertStagesOf(JsonElement stats, long processed)
    {
        Assert.Equal("thread-cpu", stats.GetProperty("cpuClock").GetString());
        var stages = stats.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["decode", "analysis", "report"], stages.Select(stage => stage.GetProperty("name").GetString()));
        foreach (var stage in stages)
        {
            var name = stage.GetProperty("name").GetString();
            Assert.Equal(processed, stage.GetProperty("frames").GetInt64());
            var perFrame = stage.GetProperty("cpuMs").GetDouble() / processed;
            Assert.True(perFrame is > 0 and < 500, $"{name}: {perFrame} ms of CPU per frame");
            Assert.Equal(perFrame, stage.GetProperty("cpuMsPerFrame").GetDouble(), 0.01);
        }
    }
}
