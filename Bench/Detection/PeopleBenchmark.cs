using System.Globalization;
using System.Text;
using AspirePipeline.Bench.Infrastructure;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.Frames;
using AspirePipeline.Frames.Diagnostics;
using AspirePipeline.TestSupport;
using AspirePipeline.TestSupport.People;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.Bench.Detection;

/// <summary>
/// <c>Bench people</c>: the people detector's precision and recall against the hand-made labels of vtest.avi
/// (<see cref="PeopleGroundTruth"/>, IoU 0.5) and its CPU per analysed frame, full-frame at three smallest-person
/// heights and motion-gated, side by side, and the motion-gated detector's CPU on the camera simulator's test pattern.
/// Frames are JPEG-encoded as the producer sends them and decoded as far as the detector asks, on one thread with one
/// OpenCV thread (the services' default), timed with the thread's CPU clock. Full-frame settings see the labelled
/// frames alone; the motion-gated one sees every frame of the clip up to the last labelled one, in order, as a camera
/// would show them (its background model needs the frames before). Accuracy is the same each run; CPU is the median.
/// </summary>
internal static class PeopleBenchmark
{
    public const string Section = "people-detector";

    private const string Heading =
        "## People detector: precision, recall and CPU per analysed frame\n\n"
            + "Reproduce: `dotnet run --project Bench -c Release -- people --runs 5`\n\n"
            + "Labels: `Tests/PeopleDetection/GroundTruth/` (made by eye; how: its README). A detection is right when it "
            + "overlaps a labelled person by IoU 0.5 or more (each person matched once); one on an \"ignore\" box (people "
            + "under 64 px, mostly hidden) counts neither way. Full frame is scanned at the finest scale step, 1.1 (its best "
            + "recall); the motion-gated default steps by 1.12 (`PeopleDetection:PyramidScale`), which found as many people "
            + "as 1.1 with fewer wrong at 11 % less CPU (tried 2026-12-07: 1.13 and 1.15 cost recall 0.014 and 0.019).\n\n";

    private const string Footage = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
    private const int PatternFrames = 60;
    private const int PatternFps = 5;

    // Full frame at the finest pyramid step (1.1, the default before the gate's 1.12): the best full-frame recall the
    // gate is held to.
    private const double FullFramePyramidScale = 1.1;

    private static readonly Setting[] Settings =
    [
        new("full frame, people from 128 px", Gated: false, MinPersonHeight: 128, FullFramePyramidScale),
        new("full frame, people from 96 px", Gated: false, MinPersonHeight: 96, FullFramePyramidScale),
        new("full frame, people from 64 px", Gated: false, MinPersonHeight: 64, FullFramePyramidScale),
        new("motion-gated, people from 64 px (default)", Gated: true, MinPersonHeight: 64, PyramidScale: null),
    ];

    public static int Run(IReadOnlyList<string> args)
    {
        var arguments = BenchArguments.Parse(args);
        var runs = Math.Max(1, arguments.Runs);
        if (!File.Exists(Footage))
        {
            Console.Error.WriteLine($"{Footage} is missing: install Debian's opencv-doc (apt-get install --no-install-recommends opencv-doc).");
            return 1;
        }

        OpenCvThreading.Apply(1);
        var machine = MachineInfo.Describe(arguments.RepoRoot);
        Progress($"machine: {machine}");
        var truth = PeopleGroundTruth.Load(arguments.RepoRoot);
        var labelled = truth.Frames.ToDictionary(frame => frame.Index);
        var clip = EncodeFootage(labelled.Keys.Max());
        var pattern = CapturePatternAsync(arguments.RepoRoot).GetAwaiter().GetResult();

        var results = Settings.ToDictionary(setting => setting, _ => new List<SettingRun>());
        var patternRuns = new List<(double Gated, double Full)>();
        var patternFirst = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var setting in Settings)
            {
                var frames = setting.Gated ? clip : [.. clip.Where(frame => labelled.ContainsKey(frame.Index))];
                var result = Measure(setting, frames, labelled);
                results[setting].Add(result);
                Progress(string.Create(CultureInfo.InvariantCulture,
                    $"run {run} {setting.Name}: recall {result.Score.Recall:F3} precision {result.Score.Precision:F3} " +
                    $"({result.Score}), {result.DecodeMs:F2} + {result.DetectMs:F2} ms CPU per frame over {frames.Count} frames"));
            }
            var gatedPattern = Measure(Settings[^1], pattern, labelled: null);
            var fullPattern = Measure(Settings[^2], pattern, labelled: null);
            patternRuns.Add((gatedPattern.TotalMs, fullPattern.TotalMs));
            patternFirst.Add(gatedPattern.FirstFrameMs);
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"run {run} test pattern: gated {gatedPattern.TotalMs:F2} ms, full frame {fullPattern.TotalMs:F2} ms CPU per frame"));
        }

        var command = "dotnet run --project Bench -c Release -- people" + string.Create(CultureInfo.InvariantCulture, $" --runs {runs}");
        var markdown = Render(command, machine, truth, clip.Count, results, patternRuns, Median(patternFirst));
        Console.WriteLine(markdown);
        if (arguments.Output is not null)
        {
            MarkdownSection.Write(arguments.Output, Section, Heading, markdown);
            Progress($"written to {arguments.Output}");
        }
        return 0;
    }

    /// <summary>Frames 0 to <paramref name="last"/> of the footage, JPEG-encoded with the frame contract's encoder.</summary>
    private static List<EncodedFrame> EncodeFootage(int last)
    {
        using var capture = new VideoCapture(Footage);
        using var image = new Mat();
        var frames = new List<EncodedFrame>(last + 1);
        for (var index = 0; index <= last && capture.Read(image) && !image.Empty(); index++)
        {
            frames.Add(Encode(image, index));
        }
        if (frames.Count <= last)
        {
            throw new InvalidOperationException($"Only {frames.Count} of {last + 1} frames could be read from {Footage}.");
        }
        return frames;
    }

    /// <summary>The simulator's 1280x720 test pattern (a ball, a frame counter, clocks) as the people group gets it, at 5 fps.</summary>
    private static async Task<List<EncodedFrame>> CapturePatternAsync(string repoRoot)
    {
        const int width = 1280, height = 720;
        await using var simulator = await CameraSimulator.StartAsync(repoRoot, width, height, 30);
        var result = await ReadRawVideoAsync(simulator.Url, TimeSpan.FromSeconds(60));
        var frameBytes = width * height * 3;
        var frames = new List<EncodedFrame>(PatternFrames);
        for (var offset = 0; offset + frameBytes <= result.Length; offset += frameBytes)
        {
            using var image = Mat.FromPixelData(height, width, MatType.CV_8UC3, result.AsMemory(offset, frameBytes).ToArray());
            frames.Add(Encode(image, frames.Count));
        }
        if (frames.Count < PatternFrames)
        {
            throw new InvalidOperationException($"Only {frames.Count} of {PatternFrames} test-pattern frames came from {simulator.Url}.");
        }
        return frames;
    }

    /// <summary>ffmpeg's raw BGR frames of <paramref name="url"/>, at the pattern's rate, until it has them all.</summary>
    private static async Task<byte[]> ReadRawVideoAsync(string url, TimeSpan timeout)
    {
        using var ffmpeg = new System.Diagnostics.Process
        {
            StartInfo = new System.Diagnostics.ProcessStartInfo("ffmpeg")
            {
                ArgumentList =
                {
                    "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-vf", $"fps={PatternFps}",
                    "-frames:v", PatternFrames.ToString(CultureInfo.InvariantCulture), "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        ffmpeg.Start();
        using var deadline = new CancellationTokenSource(timeout);
        using var output = new MemoryStream();
        var errors = ffmpeg.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await ffmpeg.StandardOutput.BaseStream.CopyToAsync(output, deadline.Token);
            await ffmpeg.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            ffmpeg.Kill(entireProcessTree: true);
            throw new TimeoutException($"ffmpeg did not read {PatternFrames} frames of {url} within {timeout}.");
        }
        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not read {url}: {await errors}");
        }
        return output.ToArray();
    }

    private static EncodedFrame Encode(Mat image, int index)
    {
        using var encoder = new FrameEncoder(FrameEncoding.Jpeg, FrameEncoder.DefaultJpegQuality);
        var encoded = encoder.Encode(image, "vtest", index, FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow));
        var headers = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        encoded.Metadata.WriteHeaders((key, value) => headers[key] = value);
        return new EncodedFrame(index, encoded.Payload, headers);
    }

    private static SettingRun Measure(Setting setting, List<EncodedFrame> frames, Dictionary<int, LabelledFrame>? labelled)
    {
        var options = new PeopleDetectorOptions { MinPersonHeight = setting.MinPersonHeight };
        options.PyramidScale = setting.PyramidScale ?? options.PyramidScale;
        options.Motion.Enabled = setting.Gated;
        using var detector = new PeopleDetector(Options.Create(options));
        // Warm-up on another camera: JIT, OpenCV's first-call allocations; the measured camera starts afresh.
        foreach (var frame in frames.Take(2))
        {
            using var decoded = FrameDecoder.Decode(frame.Payload, frame.Headers, detector.DecodeTarget);
            detector.Analyze("warm-up", decoded.Image);
        }

        long decodeNs = 0, detectNs = 0, firstNs = 0;
        var score = new DetectionScore();
        foreach (var frame in frames)
        {
            var start = ThreadCpuClock.GetNanoseconds();
            using var decoded = FrameDecoder.Decode(frame.Payload, frame.Headers, detector.DecodeTarget);
            var afterDecode = ThreadCpuClock.GetNanoseconds();
            var analysis = detector.Analyze("measured", decoded.Image);
            if (ReferenceEquals(frame, frames[0]))
            {
                // The camera's first frame: the background model starts, so a gated detector scans it whole.
                firstNs = ThreadCpuClock.GetNanoseconds() - start;
            }
            else
            {
                detectNs += ThreadCpuClock.GetNanoseconds() - afterDecode;
                decodeNs += afterDecode - start;
            }
            if (labelled is not null && labelled.TryGetValue(frame.Index, out var labels))
            {
                var boxes = (analysis.Detections ?? []).Select(box => new LabelBox(box.X, box.Y, box.Width, box.Height)).ToArray();
                score += DetectionScore.Of(boxes, labels);
            }
        }
        var counted = frames.Count - 1;
        return new SettingRun(decodeNs / 1e6 / counted, detectNs / 1e6 / counted, firstNs / 1e6, score);
    }

    private static string Render(string command, string machine, PeopleGroundTruth truth, int clipFrames,
        Dictionary<Setting, List<SettingRun>> results, List<(double Gated, double Full)> patternRuns, double patternFirstMs)
    {
        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}` ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)  ");
        builder.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine}; load average at the end: {LoadAverage()}  ");
        var people = truth.Frames.Sum(frame => frame.People.Count);
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"{truth.Frames.Count} labelled frames of vtest.avi " +
            $"(768x576, frames {truth.Frames.Min(f => f.Index)}-{truth.Frames.Max(f => f.Index)}), " +
            $"{people} people at least 64 px tall; JPEG quality {FrameEncoder.DefaultJpegQuality}; clock: {ThreadCpuClock.ClockName}; " +
            $"CPU: median of {patternRuns.Count} runs; motion-gated: all {clipFrames} frames in order, CPU averaged over them. " +
            $"CPU per frame leaves out each camera's first frame, where the background model starts and a gated detector " +
            $"scans the frame whole (counted apart below).");
        builder.AppendLine();
        builder.AppendLine("| setting | recall | precision | right / wrong / missed | decode CPU ms/frame | detect CPU ms/frame " +
            "| **CPU ms per analysed frame** | full frame from 64 px ÷ this (same run) |");
        builder.AppendLine("|---|---|---|---|---|---|---|---|");
        var reference = results[Settings[^2]];
        foreach (var (setting, runs) in results)
        {
            var score = runs[0].Score;
            var ratio = Median(runs.Select((run, index) => reference[index].TotalMs / run.TotalMs));
            builder.AppendLine(CultureInfo.InvariantCulture,
                $"| {setting.Name} | {score.Recall:F3} | {score.Precision:F3} | {score.TruePositives} / {score.FalsePositives} / " +
                $"{score.FalseNegatives} | {Median(runs.Select(run => run.DecodeMs)):F2} | {Median(runs.Select(run => run.DetectMs)):F2} " +
                $"| **{Median(runs.Select(run => run.TotalMs)):F1}** | {ratio:F2}x |");
        }
        builder.AppendLine();
        var perRun = string.Join(", ", patternRuns.Select(run => string.Create(CultureInfo.InvariantCulture, $"{run.Gated:F2} / {run.Full:F1}")));
        builder.AppendLine(CultureInfo.InvariantCulture,
            $"Test pattern (the simulator's 1280x720 ball, frame counter and clocks, {PatternFrames} frames at {PatternFps} fps, in order): " +
            $"motion-gated **{Median(patternRuns.Select(run => run.Gated)):F2} ms** CPU per analysed frame (decode included), " +
            $"full frame from 64 px {Median(patternRuns.Select(run => run.Full)):F1} ms; per run: {perRun}. The camera's first frame, " +
            $"scanned whole: {patternFirstMs:F0} ms, once per camera and start.");
        builder.AppendLine();
        builder.AppendLine("CPU ms per analysed frame, per run: " + string.Join("; ", results.Select(pair =>
            pair.Key.Name + " " + string.Join(", ", pair.Value.Select(run => run.TotalMs.ToString("F1", CultureInfo.InvariantCulture))))));
        return builder.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static void Progress(string message) => Console.Error.WriteLine($"[people] {message}");

    /// <param name="Name">The row's name in the report.</param>
    /// <param name="Gated">Whether the motion gate is on.</param>
    /// <param name="MinPersonHeight">The shortest person looked for.</param>
    /// <param name="PyramidScale">The detector's scale step; null for its default.</param>
    private sealed record Setting(string Name, bool Gated, int MinPersonHeight, double? PyramidScale);

    private sealed record EncodedFrame(int Index, byte[] Payload, Dictionary<string, byte[]> Headers);

    private sealed record SettingRun(double DecodeMs, double DetectMs, double FirstFrameMs, DetectionScore Score)
    {
        public double TotalMs => DecodeMs + DetectMs;
    }
}
