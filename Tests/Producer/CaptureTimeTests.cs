using System.Diagnostics;
using System.Globalization;
using AspirePipeline.Producer;
using AspirePipeline.Producer.Sources;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace AspirePipeline.Tests.Producer;

/// <summary>
/// Capture times of frames read late off ffmpeg's pipe, as on a loaded machine: the real simulator and ffmpeg, the
/// producer's reading held back until ffmpeg has passed a second of frames.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class CaptureTimeTests(ITestOutputHelper output)
{
    private const int Fps = 15;
    private const int Held = 15;
    // Taken off the pipe on arrival while the test does not read: one waits in the source's channel, one in its reader.
    private const int TakenOnArrival = 2;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Frames_read_late_in_a_burst_carry_the_times_they_were_shown_not_the_time_they_were_read(bool jpegFromFfmpeg)
    {
        // Small frames, so that a second of them (raw BGR too) fits in the 1 MiB pipe while nothing reads it.
        await using var camera = await CameraSimulatorProcess.StartAsync(width: 160, height: 90, fps: Fps);
        var choices = new FfmpegChoices(MayPassThrough: false, EncodeJpeg: jpegFromFfmpeg, JpegQuality: 80);
        await using var source = FfmpegSource.Open(new CameraOptions { Id = "late", Url = camera.Url }, choices,
            new StreamCodecHint(), TimeSpan.FromSeconds(20), NullLogger<FfmpegSource>.Instance);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using (await source.ReadAsync(deadline.Token))
        {
        }

        // Not reading: ffmpeg goes on and its frames wait in the pipe (held back, ffmpeg's lines still say it showed them).
        var heldSince = Stopwatch.StartNew();
        while (source.Timeline!.Value.Reported < 1 + TakenOnArrival + Held + 1)
        {
            deadline.Token.ThrowIfCancellationRequested();
            await Task.Delay(20, deadline.Token);
        }
        output.WriteLine($"held back {heldSince.ElapsedMilliseconds} ms");

        for (var n = 0; n < TakenOnArrival; n++)
        {
            using var frame = await source.ReadAsync(deadline.Token);
        }
        var reading = Stopwatch.StartNew();
        var stamps = new List<long>();
        for (var n = 0; n < Held; n++)
        {
            using var frame = await source.ReadAsync(deadline.Token);
            stamps.Add(frame.CaptureTimestampMicros);
        }
        var readIn = reading.Elapsed;
        var gaps = stamps.Zip(stamps.Skip(1), (a, b) => (b - a) / 1000.0).ToList();
        output.WriteLine($"read {Held} frames in {readIn.TotalMilliseconds:F0} ms; capture gaps (ms): " +
            string.Join(' ', gaps.Select(gap => gap.ToString("F1", CultureInfo.InvariantCulture))));

        // Read in a burst (far quicker than the camera showed them) ...
        Assert.True(readIn < TimeSpan.FromSeconds(Held / (double)Fps / 2), $"the held frames took {readIn} to read");
        // ... yet each a frame interval after the one before, as the simulator's 15 fps stream timed them.
        Assert.All(gaps, gap => Assert.InRange(gap, (1000.0 / Fps) - 2, (1000.0 / Fps) + 2));
        Assert.Equal(0, source.Timeline!.Value.StampedOnArrival);
    }
}
