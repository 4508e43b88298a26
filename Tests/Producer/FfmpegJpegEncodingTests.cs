using AspirePipeline.Tests.Infrastructure;
using OpenCvSharp;

namespace AspirePipeline.Tests.Producer;

/// <summary>
/// An H.264 camera through the real producer with <c>Producer:JpegEncoder=Ffmpeg</c> (the default): Debian's ffmpeg
/// decodes and encodes JPEG itself, and the producer publishes those JPEGs with the usual headers, encoding nothing.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class FfmpegJpegEncodingTests(ProducerFixture fixture) : IClassFixture<ProducerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_h264_camera_is_published_as_jpegs_ffmpeg_encodes_with_libjpegs_tables_for_the_quality()
    {
        var topic = await fixture.CreateTopicAsync();
        await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Cameras:0:Id"] = "h264-cam",
            ["Producer:Cameras:0:Url"] = fixture.Camera.Url,
            ["Producer:JpegQuality"] = "60",
        });
        using var consumer = fixture.Consumer(topic);

        var messages = ProducerFixture.Consume(consumer, 20, Deadline);

        ProducerFixture.AssertJpegFrames(messages, "h264-cam");

        // libjpeg's tables for quality 60, as OpenCV writes them, but for the DC step (ffmpeg's MJPEG encoder fixes it at 8).
        using var any = new Mat(16, 16, MatType.CV_8UC3, Scalar.All(128));
        Cv2.ImEncode(".jpg", any, out var libjpeg, [(int)ImwriteFlags.JpegQuality, 60]);
        var expected = JpegTables.Read(libjpeg);
        var written = JpegTables.Read(messages[^1].Message.Value);
        Assert.Equal(expected[0][1..], written[0][1..]);
        Assert.Equal(expected[1][1..], written[1][1..]);

        using var stats = await producer.StatsAsync();
        var camera = Assert.Single(stats.RootElement.GetProperty("cameras").EnumerateArray());
        var published = camera.GetProperty("published").GetInt64();
        Assert.Equal(0, camera.GetProperty("passedThrough").GetInt64());
        Assert.Equal(0, camera.GetProperty("dropped").GetInt64());
        var stages = ProducerTestHost.StageFrames(stats);
        Assert.Equal(0, stages["encode"]);
        Assert.InRange(stages["jpeg-check"], published, published + 20);
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("connected", StringComparison.Ordinal)
            && entry.Message.Contains("JPEG from ffmpeg", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Its_pictures_have_the_tones_of_the_ones_opencv_encodes_from_the_same_camera()
    {
        var fromFfmpeg = await fixture.PicturesAsync(fixture.Camera.Url, 10, new Dictionary<string, string?> { ["Producer:JpegEncoder"] = "Ffmpeg" });
        var fromOpenCv = await fixture.PicturesAsync(fixture.Camera.Url, 10, new Dictionary<string, string?> { ["Producer:JpegEncoder"] = "OpenCv" });

        ToneAssert.Alike(fromOpenCv, fromFfmpeg, "ffmpeg's JPEGs of the TV-range H.264 camera");
    }

    [Fact]
    public async Task A_ten_bit_camera_is_converted_before_its_range_is_stretched()
    {
        // SMPTE bars (still, so any frame will do) as 10-bit H.264, sent as they are by the simulator's --clip.
        var directory = Directory.CreateTempSubdirectory("ten-bit-camera").FullName;
        try
        {
            var clip = Path.Combine(directory, "bars-10bit.h264");
            (await ChildProcess.RunAsync("ffmpeg",
                ["-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "smptebars=size=320x240:rate=15", "-t", "2",
                 "-c:v", "libx264", "-pix_fmt", "yuv420p10le", "-f", "h264", "-y", clip], Deadline)).EnsureSuccess("recording 10-bit bars");
            var picture = Path.Combine(directory, "bars.png");
            (await ChildProcess.RunAsync("ffmpeg",
                ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", clip, "-frames:v", "1", "-y", picture], Deadline))
                .EnsureSuccess("decoding one frame of the bars");
            await using var camera = await CameraSimulatorProcess.StartAsync(fps: 15, clip: clip);
            var topic = await fixture.CreateTopicAsync();
            await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, topic, new Dictionary<string, string?>
            {
                ["Producer:Cameras:0:Id"] = "ten-bit",
                ["Producer:Cameras:0:Url"] = camera.Url,
            });
            using var consumer = fixture.Consumer(topic);

            var frames = ProducerFixture.Pictures(ProducerFixture.Consume(consumer, 5, Deadline));

            Assert.All(frames, frame => Assert.Equal(new Size(320, 240), frame.Size()));
            Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("JPEG from ffmpeg", StringComparison.Ordinal));
            ToneAssert.Alike([Cv2.ImRead(picture)], frames, "ffmpeg's JPEGs of the 10-bit camera");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Compares two sets of pictures of the same scene by each channel's mean and spread.</summary>
internal static class ToneAssert
{
    /// <summary>
    /// Mean within 3 levels and spread within 12 % per channel: JPEG noise and the scene's motion stay inside that, while
    /// TV-range pixels taken for full range (or full-range ones stretched again) move the red mean of the simulator's
    /// picture by about 8 levels (measured both ways when this test was written).
    /// </summary>
    public static void Alike(IReadOnlyList<Mat> reference, IReadOnlyList<Mat> actual, string what)
    {
        var (referenceMean, referenceSpread) = Tone(reference);
        var (actualMean, actualSpread) = Tone(actual);
        var description = what + ": " + string.Join("; ", Enumerable.Range(0, 3).Select(channel =>
            $"{"BGR"[channel]} mean {actualMean[channel]:F1} against {referenceMean[channel]:F1}, " +
            $"spread {actualSpread[channel]:F1} against {referenceSpread[channel]:F1}"));
        foreach (var image in reference.Concat(actual))
        {
            image.Dispose();
        }
        for (var channel = 0; channel < 3; channel++)
        {
            Assert.True(Math.Abs(actualMean[channel] - referenceMean[channel]) <= 3, description);
        }
        for (var channel = 0; channel < 3; channel++)
        {
            Assert.True(Math.Abs(actualSpread[channel] / referenceSpread[channel] - 1) <= 0.12, description);
        }
    }

    private static (double[] Mean, double[] Spread) Tone(IReadOnlyList<Mat> images)
    {
        var mean = new double[3];
        var spread = new double[3];
        foreach (var image in images)
        {
            Cv2.MeanStdDev(image, out var m, out var s);
            for (var channel = 0; channel < 3; channel++)
            {
                mean[channel] += m[channel] / images.Count;
                spread[channel] += s[channel] / images.Count;
            }
        }
        return (mean, spread);
    }
}
