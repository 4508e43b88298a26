using System.Text.Json;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.Tests.Consumers;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Producer;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit.Abstractions;

namespace AspirePipeline.Tests.PeopleDetection;

/// <summary>
/// The recorded pedestrians served as an RTSP camera by the simulator, read by the real producer, through a real
/// broker, into a people-detection group hosted the way Consumer2 hosts it (its own analysis, switched by configuration).
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class PeopleDetectionPipelineTests(ConsumerBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<ConsumerBrokerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private const string ClipsUrl = "http://clips.test:8080";

    [Fact]
    public async Task Recorded_pedestrians_through_the_pipeline_raise_person_appeared_with_boxes_in_the_frame_listed_with_its_clip()
    {
        var topics = await TestTopics.CreateAsync(fixture.BootstrapServers, framePartitions: 1);
        var eventsTopic = $"events-{Guid.NewGuid():N}"[..19];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = eventsTopic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        await using var camera = await CameraSimulatorProcess.StartAsync(video: RecordedFootage.Pedestrians);
        await using var detectors = await ConsumerTestHost.StartAsync<MotionAnalyzer>(fixture.BootstrapServers, topics,
            $"people-{Guid.NewGuid():N}", new Dictionary<string, string?>
            {
                ["FrameProcessing:Analyzer"] = PeopleDetector.AnalyzerName,
                ["FrameProcessing:EventsTopic"] = eventsTopic,
                // Its own pace: at most the newest frame or two waits; older ones are skipped and counted.
                ["FrameProcessing:ChannelCapacity"] = "1",
                ["FrameProcessing:SkipToNewestWhenLagExceeds"] = "2",
                ["LiveView:ClipsUrl"] = ClipsUrl,
            });
        await using var producer = await ProducerTestHost.StartAsync(fixture.BootstrapServers, topics.Frames,
            new Dictionary<string, string?>
            {
                ["Producer:Cameras:0:Id"] = "path",
                ["Producer:Cameras:0:Url"] = camera.Url,
                // ffmpeg needs ~3.5 s to join a 10 fps stream (it probes a number of frames): more than the tests' 3 s.
                ["Producer:StallTimeout"] = "00:00:10",
            });

        var appeared = await EventsTopic.FirstAsync(fixture.BootstrapServers, eventsTopic,
            e => e.GetProperty("type").GetString() == PeopleDetector.PersonAppeared, Deadline, () =>
            $"camera published {producer.Camera("path").Published} frames; the group processed " +
            $"{detectors.Statistics.FramesProcessed}, skipped {detectors.Statistics.SkippedFrames}, poison " +
            $"{detectors.Statistics.PoisonMessages}, last value {detectors.Statistics.Latest.LastValue}; producer: " +
            string.Join(" | ", producer.Logs.Entries.TakeLast(8).Select(entry => entry.Message)));

        Assert.Equal("path", appeared.GetProperty("camera").GetString());
        Assert.Equal(PeopleDetector.AnalyzerName, appeared.GetProperty("analyzer").GetString());
        var boxes = appeared.GetProperty("detections").EnumerateArray().ToList();
        Assert.NotEmpty(boxes);
        foreach (var box in boxes)
        {
            // Original-frame coordinates: vtest.avi is 768x576.
            Assert.InRange(box.GetProperty("x").GetInt32() + box.GetProperty("width").GetInt32(), 1, 768);
            Assert.InRange(box.GetProperty("y").GetInt32() + box.GetProperty("height").GetInt32(), 1, 576);
            Assert.True(box.GetProperty("score").GetDouble() > 0);
        }
        Assert.True(detectors.Statistics.FramesProcessed >= 2, $"{detectors.Statistics.FramesProcessed} frames processed");

        // The live view lists it where the events topic holds it (the first event of a new topic: partition 0, offset
        // 0), with the clips service's address its page links the clip at.
        using var http = new HttpClient { BaseAddress = detectors.Address };
        JsonElement listed = default;
        await Poll.UntilAsync(async () =>
        {
            using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
            listed = stats.RootElement.Clone();
            return listed.GetProperty("recentEvents").EnumerateArray().Any(e => e.GetProperty("offset").GetInt64() == 0);
        }, TimeSpan.FromSeconds(10), () => $"/stats listed {listed}");
        Assert.Equal(ClipsUrl, listed.GetProperty("clipsUrl").GetString());
        var first = listed.GetProperty("recentEvents").EnumerateArray().Single(e => e.GetProperty("offset").GetInt64() == 0);
        Assert.Equal((PeopleDetector.PersonAppeared, "path", 0),
            (first.GetProperty("type").GetString(), first.GetProperty("camera").GetString(), first.GetProperty("partition").GetInt32()));
        Assert.Equal(appeared.GetProperty("captureTimestamp").GetDateTimeOffset(), first.GetProperty("captureTimestamp").GetDateTimeOffset());
        Assert.Contains("/events/${e.partition}/${e.offset}/clip", await http.GetStringAsync("/"), StringComparison.Ordinal);
        output.WriteLine($"processed {detectors.Statistics.FramesProcessed}, skipped {detectors.Statistics.SkippedFrames}: {appeared}");
    }
}
