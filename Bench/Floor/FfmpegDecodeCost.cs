using System.Globalization;
using System.Text.RegularExpressions;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// CPU seconds ffmpeg spends per frame decoding the clip with the producer's flags (Producer/Sources/FfmpegSource.cs):
/// either only decoding (<c>-f null</c>: the least any design pays, and what ffmpeg does before encoding the JPEG
/// itself) or decoding to raw BGR on a pipe (what OpenCV's encoder in the producer needs). CPU is ffmpeg's own
/// <c>-benchmark</c> figure: getrusage(RUSAGE_SELF) user + system, all its threads.
/// </summary>
internal static partial class FfmpegDecodeCost
{
    public sealed record Result(double MsPerFrame, int Frames, IReadOnlyList<double> RunMsPerFrame, double StartupCpuMs);

    /// <summary>
    /// Runs the whole-clip decode and a one-frame decode <paramref name="runs"/> times each, and takes the difference
    /// of their medians over the frame difference: the producer's ffmpeg runs for hours, so its start-up (probing,
    /// codec setup) is not a per-frame cost and must not inflate the floor of a short clip.
    /// </summary>
    /// <param name="clip">The recorded clip.</param>
    /// <param name="runs">Runs of each decode.</param>
    /// <param name="toPixels">Write raw BGR to a pipe (true) or decode only (false).</param>
    /// <param name="progress">Progress lines.</param>
    public static async Task<Result> MeasureAsync(SampleClip clip, int runs, bool toPixels, Action<string> progress)
    {
        var whole = new List<(double CpuMs, int Frames)>();
        var startup = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            whole.Add(await DecodeAsync(clip, frameLimit: null, toPixels));
            startup.Add((await DecodeAsync(clip, frameLimit: 1, toPixels)).CpuMs);
        }

        var frames = whole[0].Frames;
        if (whole.Any(r => r.Frames != frames) || frames < 2)
        {
            throw new InvalidOperationException(
                $"ffmpeg decoded {string.Join(", ", whole.Select(r => r.Frames))} frames of {clip.Path} in successive runs; " +
                "expected the same number, at least 2.");
        }
        var startupMs = Median(startup);
        var perRun = whole.Select(r => Math.Max(0, r.CpuMs - startupMs) / (frames - 1)).ToList();
        var result = new Result(Median(perRun), frames, perRun, startupMs);
        progress(string.Create(CultureInfo.InvariantCulture,
            $"  ffmpeg decode {(toPixels ? "to BGR" : "only")} {clip.Width}x{clip.Height}: {frames} frames, " +
            $"{result.MsPerFrame:F3} CPU ms/frame " +
            $"(runs: {string.Join(", ", perRun.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))}), " +
            $"start-up {startupMs:F0} ms subtracted"));
        return result;
    }

    private static async Task<(double CpuMs, int Frames)> DecodeAsync(SampleClip clip, int? frameLimit, bool toPixels)
    {
        // The producer's arguments minus the network and the scale/fps filters (the clip is already at that size).
        var arguments = new List<string>
        {
            "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-benchmark",
            "-fflags", "nobuffer", "-flags", "low_delay", "-i", clip.Path, "-an", "-sn", "-dn",
        };
        if (frameLimit is { } limit)
        {
            arguments.AddRange(["-frames:v", limit.ToString(CultureInfo.InvariantCulture)]);
        }
        if (!toPixels)
        {
            arguments.AddRange(["-f", "null", "-"]);
            var decoded = await Ffmpeg.RunAsync(arguments, TimeSpan.FromSeconds(120), $"decoding {clip.Path}");
            return (CpuMs(decoded, clip), FramesWritten().Matches(decoded) is { Count: > 0 } written
                ? int.Parse(written[^1].Groups[1].ValueSpan, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"ffmpeg printed no frame count decoding {clip.Path}."));
        }
        arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "bgr24", "-"]);

        long bytes = 0;
        var stderr = await Ffmpeg.RunAsync(arguments, TimeSpan.FromSeconds(120), $"decoding {clip.Path}",
            async stdout =>
            {
                // Drained as the producer does: whole frames, one reusable buffer.
                var buffer = new byte[clip.FrameBytes];
                int read;
                while ((read = await stdout.ReadAsync(buffer)) > 0)
                {
                    bytes += read;
                }
            });
        if (bytes % clip.FrameBytes != 0)
        {
            throw new InvalidOperationException(
                $"ffmpeg wrote {bytes} bytes decoding {clip.Path}, not a whole number of {clip.Width}x{clip.Height} BGR frames.");
        }

        return (CpuMs(stderr, clip), (int)(bytes / clip.FrameBytes));
    }

    private static double CpuMs(string stderr, SampleClip clip)
    {
        var bench = BenchLine().Match(stderr);
        if (!bench.Success)
        {
            throw new InvalidOperationException($"ffmpeg -benchmark printed no 'bench: utime=... stime=...' line decoding {clip.Path}.");
        }
        return 1000 * (double.Parse(bench.Groups[1].ValueSpan, CultureInfo.InvariantCulture)
            + double.Parse(bench.Groups[2].ValueSpan, CultureInfo.InvariantCulture));
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    // ffmpeg's closing statistics at "info", e.g. "video:141kB audio:0kB ..." follows "frame=  300 fps=..."; -nostats
    // still prints the last one.
    [GeneratedRegex(@"frame=\s*(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex FramesWritten();

    // e.g. "bench: utime=0.173s stime=0.020s rtime=0.130s"
    [GeneratedRegex(@"bench: utime=([0-9.]+)s stime=([0-9.]+)s", RegexOptions.CultureInvariant)]
    private static partial Regex BenchLine();
}
