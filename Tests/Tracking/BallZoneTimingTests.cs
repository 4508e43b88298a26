using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Consumers;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Producer;
using AspirePipeline.Tests.Reliability;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using OpenCvSharp;
using Xunit.Abstractions;

namespace AspirePipeline.Tests.Tracking;

/// <summary>
/// The simulator's test pattern through the real pipeline (RTSP simulator, producer, broker, a motion group with
/// <c>Motion:Objects</c> and a zone), its zone events checked against the ball's known path (<see cref="TestPatternBall"/>).
/// </summary>
/// <remarks>
/// Which pattern frame n a published frame shows is not in its headers: the producer numbers the frames it publishes
/// from 0, and the simulator's count starts when its shared stream is first set up. So n = sequence + offset, the
/// offset read off the pictures: the ball is located in each published frame (the frames topic) and the offset is the
/// one that puts the formula's ball there; a frame the producer dropped shows as the offset growing. The test fails if
/// any frame whose ball can be located is off the formula by more than <see cref="LocatedTolerancePx"/>, so the
/// pictures only fix the offset; the times of entry and exit come from the formula.
/// </remarks>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BallZoneTimingTests(ConsumerBrokerFixture fixture, ITestOutputHelper output) : IClassFixture<ConsumerBrokerFixture>
{
    private const string CameraId = "ball";
    private const string Zone = "band";
    private const int Width = 640, Height = 360, Fps = 15;
    // A band across the whole picture: the ball's feet (the bottom of its box) cross its top and bottom about 7 px a
    // frame, and never its ends (the ball stays 20 px from the picture's edges); well away from the text overlays.
    private const double ZoneTop = 0.4, ZoneBottom = 0.65;
    // About 20 s of pattern: four passes through the band.
    private const int AnalysedFrames = 300;
    // The background model's learning at the start (MotionAnalyzer.Objects.cs): no event before this many frames counts.
    private const int WarmUpFrames = 40;
    // The comparison's ends lie where the ball is this far (relative) from the band's borders, so no crossing is cut off.
    private const double ClearOfBorders = 0.05;
    private const int ToleranceFrames = 2;
    // How far a located ball may be from the formula's: its edge as the H.264 stream and the JPEGs blur it (2.4 px seen).
    private const double LocatedTolerancePx = 3;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(50);

    [Fact]
    public async Task Zone_entry_and_exit_times_of_the_test_pattern_ball_follow_its_known_path()
    {
        var clock = Stopwatch.StartNew();
        var topics = await TestTopics.CreateAsync(fixture.BootstrapServers, framePartitions: 1);
        var eventsTopic = $"events-{Guid.NewGuid():N}"[..19];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = eventsTopic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        await using var camera = await CameraSimulatorProcess.StartAsync(Width, Height, Fps);
        var motion = await ConsumerTestHost.StartAsync<MotionAnalyzer>(fixture.BootstrapServers, topics, $"objects-{Guid.NewGuid():N}",
            new Dictionary<string, string?>
            {
                ["FrameProcessing:EventsTopic"] = eventsTopic,
                ["Motion:Objects"] = "true",
                [$"Scene:Cameras:{CameraId}:Zones:{Zone}:Points:0"] = Point(0, ZoneTop),
                [$"Scene:Cameras:{CameraId}:Zones:{Zone}:Points:1"] = Point(1, ZoneTop),
                [$"Scene:Cameras:{CameraId}:Zones:{Zone}:Points:2"] = Point(1, ZoneBottom),
                [$"Scene:Cameras:{CameraId}:Zones:{Zone}:Points:3"] = Point(0, ZoneBottom),
            });
        await using var stopMotion = new DisposeOnce(motion);
        var producer = await ProducerTestHost.StartAsync(fixture.BootstrapServers, topics.Frames, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = CameraId,
            ["Producer:Cameras:0:Url"] = camera.Url,
            // ffmpeg takes a few seconds to join; a reconnect would only cost time.
            ["Producer:StallTimeout"] = "00:00:10",
        });
        await using var stopProducer = new DisposeOnce(producer);
        using var results = new TopicReader(fixture.BootstrapServers, topics.Results);
        try
        {
            await Task.Run(() => results.ReadUntil(AnalysedFrames, Deadline - clock.Elapsed));
        }
        catch (TimeoutException exception)
        {
            var status = producer.Camera(CameraId);
            throw new TimeoutException($"{exception.Message} The producer published {status.Published} frames (dropped " +
                $"{string.Join(", ", status.Dropped.Select(pair => $"{pair.Key} {pair.Value}"))}, reconnects {status.Reconnects}); " +
                $"the group processed {motion.Statistics.FramesProcessed}. Producer: " +
                string.Join(" | ", producer.Logs.Entries.TakeLast(6).Select(entry => entry.Message)), exception);
        }
        var dropped = producer.Camera(CameraId).Dropped.Values.Sum();
        // Frames first, then the group: stopping it flushes its results and events, so the topics hold all of them.
        await stopProducer.DisposeAsync();
        await stopMotion.DisposeAsync();

        results.ReadToEnd(TimeSpan.FromSeconds(10));
        var analysed = results.Records().Where(record => record.Camera == CameraId).OrderBy(record => record.Sequence).ToList();
        var events = ReadEvents(eventsTopic);
        var patternFrame = PatternFrames(topics.Frames);

        // Where the formula puts the ball's feet in each analysed frame, and the zone state it makes with the hysteresis.
        var frames = analysed.Select(record =>
        {
            var n = patternFrame[record.Sequence!.Value];
            var (x, y) = TestPatternBall.Centre(n, Width, Height);
            return (Sequence: record.Sequence.Value, N: n, Captured: record.CaptureTimestamp!.Value,
                Margin: InsideBy(x / Width, (y + TestPatternBall.Radius) / Height));
        }).ToList();
        // From a frame with the ball clearly outside the band, so the comparison starts with an entry.
        var start = frames.FindIndex(frame => frame.N >= frames[0].N + WarmUpFrames && frame.Margin < -ClearOfBorders);
        var end = frames.FindLastIndex(frame => Math.Abs(frame.Margin) > ClearOfBorders);
        Assert.True(start >= 0 && end > start, $"no window to compare in {frames.Count} analysed frames");
        var expected = new List<(int Index, string Type)>();
        var inside = false;
        for (var index = start + 1; index <= end; index++)
        {
            if (!inside && frames[index].Margin > SceneCounter.Hysteresis)
            {
                inside = true;
                expected.Add((index, SceneEvents.ZoneEntered));
            }
            else if (inside && frames[index].Margin < -SceneCounter.Hysteresis)
            {
                inside = false;
                expected.Add((index, SceneEvents.ZoneLeft));
            }
        }

        var indexOf = frames.Select((frame, index) => (frame.Sequence, index)).ToDictionary(pair => pair.Sequence, pair => pair.index);
        var actual = events
            .Where(e => e.Zone == Zone && e.Sequence is { } sequence && indexOf.TryGetValue(sequence, out var index) && index > start && index <= end)
            .Select(e => (Index: indexOf[e.Sequence!.Value], Event: e))
            .OrderBy(e => e.Index)
            .ToList();

        output.WriteLine($"{frames.Count} frames analysed (pattern frames {frames[0].N}..{frames[^1].N}, producer dropped {dropped}); " +
            $"compared {frames[start].N}..{frames[end].N}; {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (index, type) in expected)
        {
            output.WriteLine($"expected {type} at pattern frame {frames[index].N} ({frames[index].Captured:HH:mm:ss.fff})");
        }
        foreach (var (index, e) in actual)
        {
            output.WriteLine($"got {e.Type} track {e.TrackId} at pattern frame {frames[index].N} ({e.CaptureTimestamp:HH:mm:ss.fff})");
        }

        Assert.True(expected.Count >= 4, $"the ball crossed the band's borders {expected.Count} times in the compared frames");
        Assert.All(actual, e => Assert.Equal(MotionAnalyzer.AnalyzerName, e.Event.Analyzer));
        Assert.Contains(events, e => e.Type == SceneEvents.Appeared(MotionAnalyzer.ObjectKind));
        Assert.Equal(expected.Select(e => e.Type), actual.Select(e => e.Event.Type));
        for (var pass = 0; pass < expected.Count; pass++)
        {
            // Within two analysed frames either side of the frame the path says, in capture time.
            var (index, type) = expected[pass];
            var earliest = frames[Math.Max(0, index - ToleranceFrames)].Captured;
            var latest = frames[Math.Min(frames.Count - 1, index + ToleranceFrames)].Captured;
            var at = actual[pass].Event.CaptureTimestamp!.Value;
            Assert.True(at >= earliest && at <= latest,
                $"{type} at {at:HH:mm:ss.fff} (pattern frame {frames[actual[pass].Index].N}); the path crosses at pattern frame " +
                $"{frames[index].N}, captured {frames[index].Captured:HH:mm:ss.fff}: {earliest:HH:mm:ss.fff} to {latest:HH:mm:ss.fff} allowed");
        }
        for (var pass = 0; pass + 1 < actual.Count; pass += 2)
        {
            var (entered, left) = (actual[pass].Event, actual[pass + 1].Event);
            Assert.Equal(entered.TrackId, left.TrackId);
            Assert.Equal((left.CaptureTimestamp!.Value - entered.CaptureTimestamp!.Value).TotalSeconds, left.DwellSeconds!.Value, 6);
        }
    }

    /// <summary>
    /// The pattern frame n of each published frame (by sequence), from where its ball is: the offset n - sequence that
    /// puts the formula's ball where the picture has it, growing only where the producer dropped frames.
    /// </summary>
    private Dictionary<long, long> PatternFrames(string framesTopic)
    {
        using var reader = new TopicReader(fixture.BootstrapServers, framesTopic);
        var located = new List<(long Sequence, (double X, double Y)? Ball)>();
        foreach (var message in reader.ReadToEnd(TimeSpan.FromSeconds(20)))
        {
            var metadata = FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!;
            using var gray = Cv2.ImDecode(message.Message.Value, ImreadModes.Grayscale);
            Assert.Equal((Width, Height), (gray.Width, gray.Height));
            located.Add((metadata.Sequence!.Value, TestPatternBall.Locate(gray)));
        }
        located.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        var seen = located.Where(frame => frame.Ball is not null).Select(frame => (frame.Sequence, Ball: frame.Ball!.Value)).ToList();
        Assert.True(seen.Count > located.Count / 2, $"the ball was found in {seen.Count} of {located.Count} published frames");

        // The start: the offset that fits the first located frames best (the simulator started moments before).
        var first = seen.Take(30).ToList();
        var offset = Enumerable.Range(0, 60 * Fps).MinBy(candidate => first.Sum(frame => Distance(frame.Ball, frame.Sequence + candidate)));
        var frames = new Dictionary<long, long>();
        var worst = 0.0;
        foreach (var (sequence, ball) in located)
        {
            if (ball is { } at)
            {
                var distance = Distance(at, sequence + offset);
                if (distance > LocatedTolerancePx)
                {
                    // Frames the producer dropped move the pattern on by more than the sequence: look a little ahead.
                    var step = Enumerable.Range(1, 30).MinBy(ahead => Distance(at, sequence + offset + ahead));
                    if (Distance(at, sequence + offset + step) <= LocatedTolerancePx)
                    {
                        offset += step;
                        distance = Distance(at, sequence + offset);
                    }
                }
                worst = Math.Max(worst, distance);
                Assert.True(distance <= LocatedTolerancePx,
                    $"frame {sequence}: the ball is at ({at.X:F1}, {at.Y:F1}), {distance:F1} px from where the formula has it " +
                    $"in pattern frame {sequence + offset}");
            }
            frames[sequence] = sequence + offset;
        }
        output.WriteLine($"ball located in {seen.Count} of {located.Count} frames, at most {worst:F2} px off the formula; " +
            $"first frame is pattern frame {frames[located[0].Sequence]}, offset now {offset}");
        return frames;
    }

    private static double Distance((double X, double Y) ball, long n)
    {
        var (x, y) = TestPatternBall.Centre(n, Width, Height);
        return Math.Sqrt(((ball.X - x) * (ball.X - x)) + ((ball.Y - y) * (ball.Y - y)));
    }

    private List<FrameEventRecord> ReadEvents(string topic)
    {
        using var reader = new TopicReader(fixture.BootstrapServers, topic);
        return [.. reader.ReadToEnd(TimeSpan.FromSeconds(10))
            .Select(message => JsonSerializer.Deserialize<FrameEventRecord>(message.Message.Value, JsonSerializerOptions.Web)!)
            .Where(record => record.Camera == CameraId)];
    }

    /// <summary>How far inside the band (relative to the frame) the point is; negative: outside by that much.</summary>
    private static double InsideBy(double x, double y) => Math.Min(Math.Min(x, 1 - x), Math.Min(y - ZoneTop, ZoneBottom - y));

    private static string Point(double x, double y) => string.Create(CultureInfo.InvariantCulture, $"{x},{y}");
}
