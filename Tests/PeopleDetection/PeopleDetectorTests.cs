using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Producer;
using AspirePipeline.Producer.Sources;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Xunit.Abstractions;

namespace AspirePipeline.Tests.PeopleDetection;

[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class PeopleDetectorTests(ITestOutputHelper output)
{
    [Fact]
    public void Finds_people_in_the_pedestrian_footage_with_person_shaped_boxes_inside_the_frame()
    {
        var frames = RecordedFootage.ReadFrames(RecordedFootage.Pedestrians, count: 20, every: 20);
        using var detector = new PeopleDetector(Options.Create(new PeopleDetectorOptions()));
        var framesWithPeople = 0;
        var boxes = 0;
        try
        {
            foreach (var frame in frames)
            {
                var analysis = detector.Analyze("vtest", frame);
                var detections = analysis.Detections!;
                output.WriteLine($"{detections.Count} people: {string.Join(' ', detections)}");
                Assert.Equal(detections.Count, analysis.Value);
                foreach (var detection in detections)
                {
                    Assert.InRange(detection.X, 0, frame.Width - 1);
                    Assert.InRange(detection.Y, 0, frame.Height - 1);
                    Assert.InRange(detection.X + detection.Width, 1, frame.Width);
                    Assert.InRange(detection.Y + detection.Height, 1, frame.Height);
                    // A standing person seen from afar: taller than wide, and neither a speck nor the whole frame. Boxes
                    // are trimmed to the person as the labels draw them (GroundTruth: most 2.3 to 3.5 times as tall as wide).
                    Assert.InRange(detection.Height, 60, frame.Height * 3 / 4);
                    Assert.InRange((double)detection.Height / detection.Width, 2.0, 3.5);
                    Assert.True(detection.Score >= new PeopleDetectorOptions().MinScore);
                }
                framesWithPeople += detections.Count > 0 ? 1 : 0;
                boxes += detections.Count;
            }
        }
        finally
        {
            frames.ForEach(frame => frame.Dispose());
        }

        // Someone walks through every sampled frame of vtest.avi; HOG misses some of them (small, overlapping).
        Assert.True(framesWithPeople >= 12, $"People found in only {framesWithPeople} of {frames.Count} frames.");
        Assert.True(boxes >= 20, $"Only {boxes} people found over {frames.Count} frames.");
    }

    [Fact]
    public async Task Finds_nobody_in_the_simulator_s_test_pattern_with_its_overlays_masked()
    {
        await using var camera = await CameraSimulatorProcess.StartAsync(width: 1280, height: 720, fps: 15);
        // The producer's own reader (ffmpeg): OpenCvSharp's bundled FFmpeg has no network support.
        await using var stream = FfmpegSource.Open(new CameraOptions { Id = "pattern", Url = camera.Url },
            TimeSpan.FromSeconds(10), NullLogger<FfmpegSource>.Instance);
        // Its clock and counters are text about 70 px tall, which HOG takes for a person at times (scores up to 0.88
        // seen, the first frame of a camera being scanned whole): masked as a user masks a camera's timestamp.
        var scene = new CameraScene("pattern", [], [], CameraSimulatorProcess.OverlayMasks);
        using var detector = new PeopleDetector(Options.Create(new PeopleDetectorOptions()), new SceneCatalog([scene]));
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var analysed = 0;
        var found = new List<Detection>();
        // Every third frame for two seconds of stream: the ball crosses a good part of the picture.
        for (var index = 0; index < 30; index++)
        {
            using var frame = await stream.ReadAsync(reading.Token);
            if (index % 3 == 0)
            {
                Assert.Equal(1280, frame.Image.Width);
                found.AddRange(detector.Analyze("pattern", frame.Image).Detections!);
                analysed++;
            }
        }

        Assert.Equal(10, analysed);
        Assert.True(found.Count == 0, $"Found 'people' in the test pattern: {string.Join(' ', found)}");
    }

    [Fact]
    public void A_box_scaled_to_the_full_frame_stays_inside_it()
    {
        var box = new Detection(300, 100, 64, 128, 1.25);

        Assert.Equal(new Detection(600, 200, 128, 256, 1.25), box.ScaledInto(2, 1280, 720));
        // Padding lets HOG boxes reach past the border; they are cut at it.
        Assert.Equal(new Detection(600, 200, 40, 256, 1.25), box.ScaledInto(2, 640, 720));
    }

    [Fact]
    public void The_live_view_draws_each_detection_s_box()
    {
        var renderer = new OverlayRenderer(Options.Create(new LiveViewOptions { MaxWidth = 640 }));
        using var image = new Mat(480, 1280, MatType.CV_8UC3, new Scalar(40, 40, 40));
        var analysis = new FrameAnalysis(1, [new("people", 1)])
        {
            Detections = [new Detection(600, 100, 200, 300, 1.5)],
        };

        var jpeg = renderer.Render(image, PeopleDetector.AnalyzerName, "cam", 1, analysis, 10);

        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        // Drawn at half size: the left edge at x=300 from y=50 to 200, the inside untouched.
        // Box colour: magenta (blue and red high, green low).
        var edge = Enumerable.Range(298, 5).Select(x => decoded.At<Vec3b>(150, x)).MaxBy(pixel => pixel.Item0 + pixel.Item2);
        Assert.True(edge.Item0 > 150 && edge.Item2 > 150 && edge.Item1 < 100, $"No box edge near (300,150): {edge}");
        var inside = decoded.At<Vec3b>(150, 350);
        Assert.True(inside.Item0 < 80 && inside.Item2 < 80, $"The box is filled at (350,150): {inside}");
    }
}
