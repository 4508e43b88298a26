using System.Diagnostics;
using System.Globalization;
using System.Text;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.Frames;
using AspirePipeline.Frames.Diagnostics;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.Bench.Detection;

/// <summary>
/// <c>Bench people</c>: the people detector's CPU per analysed frame on real footage (Debian opencv-doc's vtest.avi,
/// 768x576 pedestrians), as its consumer group pays it: the JPEG frame decoded as far as the detector asks
/// (<see cref="PeopleDetector.DecodeTarget"/>), then <see cref="PeopleDetector.Analyze"/>, on one thread with one OpenCV
/// thread (the services' default), timed with the thread's CPU clock. Several runs; the median is reported, in the
/// <c>people-detector</c> section of docs/benchmarks.md.
/// </summary>
internal static class PeopleBenchmark
{
    public const string Section = "people-detector";

    /// <summary>The section's heading and introduction in docs/benchmarks.md, above its generated part.</summary>
    private const string Heading =
        "## People detector: CPU per analysed frame\n\n"
            + "Reproduce: `dotnet run --project Bench -c Release -- people --runs 5`\n\n"
            + "The people group (FrameProcessing:Analyzer=people) pays this per frame it analyses; at more frames per "
            + "second than one core sustains it skips to the newest frame (FrameProcessing:SkipToNewestWhenLagExceeds) "
            + "rather than fall behind.\n\n";

    private const string Footage = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
    private const int FrameStep = 10;

    public static int Run(IReadOnlyList<string> args)
    {
        var arguments = BenchArguments.Parse(args);
        var frameCount = new CommandLine(args).Int("--frames", 40);
        var runs = Math.Max(1, arguments.Runs);
        if (!File.Exists(Footage))
        {
            Console.Error.WriteLine($"{Footage} is missing: install Debian's opencv-doc (apt-get install --no-install-recommends opencv-doc).");
            return 1;
        }

        OpenCvThreading.Apply(1);
        var machine = MachineInfo.Describe(arguments.RepoRoot);
        Progress($"machine: {machine}");
        var frames = EncodeFrames(frameCount);
        var options = new PeopleDetectorOptions();
        var results = new List<RunResult>();
        for (var run = 1; run <= runs; run++)
        {
            var result = MeasureRun(frames, options);
            results.Add(result);
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: decode {result.DecodeMs:F2} ms + detect {result.DetectMs:F2} ms CPU per frame, " +
                $"{result.People} people in {frames.Count} frames"));
        }

        var command = "dotnet run --project Bench -c Release -- people"
            + string.Create(CultureInfo.InvariantCulture, $" --runs {runs}")
            + (args.Contains("--frames") ? string.Create(CultureInfo.InvariantCulture, $" --frames {frameCount}") : "");
        var markdown = Render(command, machine, options, frames.Count, results);
        Console.WriteLine(markdown);
        if (arguments.Output is not null)
        {
            MarkdownSection.Write(arguments.Output, Section, Heading, markdown);
            Progress($"written to {arguments.Output}");
        }
        return 0;
    }

    /// <summary>Frames spread over the clip, JPEG-encoded with the frame contract's encoder as the producer sends them.</summary>
    private static List<(byte[] Payload, Dictionary<string, byte[]> Headers)> EncodeFrames(int count)
    {
        using var capture = new VideoCapture(Footage);
        using var encoder = new FrameEncoder(FrameEncoding.Jpeg, FrameEncoder.DefaultJpegQuality);
        using var image = new Mat();
        var frames = new List<(byte[], Dictionary<string, byte[]>)>(count);
        for (var index = 0; frames.Count < count && capture.Read(image) && !image.Empty(); index++)
        {
            if (index % FrameStep != 0)
            {
                continue;
            }
            var encoded = encoder.Encode(image, "vtest", index, FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow));
            var headers = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            encoded.Metadata.WriteHeaders((key, value) => headers[key] = value);
            frames.Add((encoded.Payload, headers));
        }
        if (frames.Count < count)
        {
            throw new InvalidOperationException($"Only {frames.Count} of {count} frames could be read from {Footage}.");
        }
        return frames;
    }

    private static RunResult MeasureRun(List<(byte[] Payload, Dictionary<string, byte[]> Headers)> frames,
        PeopleDetectorOptions options)
    {
        using var detector = new PeopleDetector(Options.Create(options));
        // Warm-up: JIT, OpenCV's first-call allocations.
        foreach (var (payload, headers) in frames.Take(3))
        {
            using var frame = FrameDecoder.Decode(payload, headers, detector.DecodeTarget);
            detector.Analyze("warm-up", frame.Image);
        }

        long decodeNs = 0, detectNs = 0, people = 0;
        var wall = Stopwatch.StartNew();
        foreach (var (payload, headers) in frames)
        {
            var start = ThreadCpuClock.GetNanoseconds();
            using var frame = FrameDecoder.Decode(payload, headers, detector.DecodeTarget);
            var decoded = ThreadCpuClock.GetNanoseconds();
            people += detector.Analyze("vtest", frame.Image).Detections?.Count ?? 0;
            detectNs += ThreadCpuClock.GetNanoseconds() - decoded;
            decodeNs += decoded - start;
        }
        wall.Stop();
        return new RunResult(decodeNs / 1e6 / frames.Count, detectNs / 1e6 / frames.Count,
            wall.Elapsed.TotalMilliseconds / frames.Count, people);
    }

    private static string Render(string command, string machine, PeopleDetectorOptions options, int frames,
        List<RunResult> results)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var decode = Median(results.Select(result => result.DecodeMs));
        var detect = Median(results.Select(result => result.DetectMs));
        var total = Median(results.Select(result => result.DecodeMs + result.DetectMs));
        var wall = Median(results.Select(result => result.WallMs));
        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)  ");
        // Thread CPU time excludes waiting for a core, but a busy machine still slows each frame (caches, SMT).
        builder.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine}; load average at the end: {LoadAverage()}  ");
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"{frames} frames of vtest.avi (768x576, every {FrameStep}th), JPEG quality {FrameEncoder.DefaultJpegQuality}; " +
            $"default options: MinPersonHeight {options.MinPersonHeight},"
            + $" WindowStride {options.WindowStride}, PyramidScale {options.PyramidScale}; " +
            $"clock: {ThreadCpuClock.ClockName}; median of {results.Count} runs.");
        builder.AppendLine();
        builder.AppendLine("| working width | decode CPU ms/frame | detect CPU ms/frame | CPU ms per analysed frame | wall ms/frame " +
            "| frames/s one core sustains | people found per frame |");
        builder.AppendLine("|---|---|---|---|---|---|---|");
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"| {options.MinPersonHeight} | {decode:F2} | {detect:F2} | **{total:F1}** | {wall:F1} | {1000 / total:F1} " +
            $"| {results.Average(result => (double)result.People) / frames:F2} |");
        builder.AppendLine();
        builder.AppendLine("Per run (decode + detect CPU ms/frame): " + string.Join(", ",
            results.Select(result => string.Create(CultureInfo.InvariantCulture, $"{result.DecodeMs:F2} + {result.DetectMs:F2}"))));
        return builder.ToString();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static void Progress(string message) => Console.Error.WriteLine($"[people] {message}");

    private sealed record RunResult(double DecodeMs, double DetectMs, double WallMs, long People);
}
