using System.Globalization;
using System.Text;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// <c>Bench floor</c>: the CPU floor at each size on its own, written to the <c>floor</c> section of
/// docs/benchmarks.md. The pipeline benchmark calls <see cref="FloorMeasurement"/> itself for its ratios.
/// </summary>
internal static class FloorBenchmark
{
    public const string Section = "floor";

    /// <summary>The section's heading and introduction in docs/benchmarks.md, above its generated part.</summary>
    private const string Heading =
        "## CPU floor: decode, encode and message building\n\n"
            + "Reproduce: `dotnet run --project Bench -c Release -- floor`\n\n";

    private const int Fps = 30;
    private static readonly (int Width, int Height)[] DefaultSizes = [(640, 480), (1280, 720), (1920, 1080)];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var arguments = BenchArguments.Parse(args);
        var sizes = ParseSizes(args);
        if (sizes is null)
        {
            return 2;
        }

        Progress($"machine: {MachineInfo.Describe(arguments.RepoRoot)}");
        var results = new List<FloorResult>();
        foreach (var (width, height) in sizes)
        {
            results.Add(await FloorMeasurement.MeasureAsync(arguments.RepoRoot, width, height, Fps, Progress));
        }

        var command = "dotnet run --project Bench -c Release -- floor"
            + (args.Contains("--sizes") ? " --sizes " + string.Join(',', sizes.Select(s => $"{s.Width}x{s.Height}")) : "");
        var markdown = Render(command, MachineInfo.Describe(arguments.RepoRoot), results);
        Console.WriteLine(markdown);
        if (arguments.Output is not null)
        {
            MarkdownSection.Write(arguments.Output, Section, Heading, markdown);
            Progress($"written to {arguments.Output}");
        }
        return 0;
    }

    private static List<(int Width, int Height)>? ParseSizes(IReadOnlyList<string> args)
    {
        var at = args.ToList().IndexOf("--sizes");
        if (at < 0)
        {
            return [.. DefaultSizes];
        }
        var sizes = new List<(int, int)>();
        var value = at + 1 < args.Count ? args[at + 1] : "";
        foreach (var text in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = text.Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var width)
                || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var height) || width < 16 || height < 16
                || width % 2 != 0 || height % 2 != 0)
            {
                Console.Error.WriteLine($"--sizes: '{text}' is not WIDTHxHEIGHT with even numbers of at least 16, e.g. --sizes 640x480,1280x720.");
                return null;
            }
            sizes.Add((width, height));
        }
        if (sizes.Count == 0)
        {
            Console.Error.WriteLine("--sizes needs at least one WIDTHxHEIGHT, e.g. --sizes 640x480,1280x720.");
            return null;
        }
        return sizes;
    }

    internal static string Render(string command, string machine, IReadOnlyList<FloorResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `{command}`."));
        text.AppendLine();
        text.AppendLine($"Machine: {machine}.");
        text.AppendLine();
        text.AppendLine("CPU milliseconds per frame. The floor with N consumer groups is ffmpeg decode + JPEG encode + N × JPEG decode "
            + "(full size, colour). The reduced floor is this project's two groups as their analyzers decode: ffmpeg decode + JPEG encode "
            + "+ a 1/8-scale colour decode (mean) + a gray decode scaled down to no less than 320 pixels wide (motion).");
        text.AppendLine();
        text.AppendLine("| size | ffmpeg decode | ffmpeg decode to BGR on a pipe | JPEG encode | JPEG decode | floor, 1 group | floor, 2 groups "
            + "| JPEG decode for mean | for motion | reduced floor, 2 groups | message build |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(
                Invariant($"| {r.Size} | {r.FfmpegDecodeMs:F2} | {r.FfmpegToPixelsMs:F2} | {r.JpegEncodeMs:F2} | {r.JpegDecodeMs:F2} ")
                + Invariant($"| **{r.FloorMs(1):F2}** | **{r.FloorMs(2):F2}** | {r.JpegDecodeForMeanMs:F2} | {r.JpegDecodeForMotionMs:F2} ")
                + Invariant($"| **{r.ReducedDecodeFloorMs:F2}** | {r.MessageBuildMs * 1000:F1} µs |"));
        }
        text.AppendLine();
        text.AppendLine("JPEG against the original design's seed JSON (base64 RGBA in JSON), same frames:");
        text.AppendLine();
        text.AppendLine("| size | JPEG bytes | seed-JSON bytes | seed JSON ÷ JPEG | JPEG encode | seed-JSON encode | JPEG decode "
            + "| seed-JSON decode | floor, 2 groups, JPEG | seed JSON |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(
                Invariant($"| {r.Size} | {r.JpegBytes:N0} | {r.SeedJsonBytes:N0} | {r.SeedJsonBytes / r.JpegBytes:F0}× ")
                + Invariant($"| {r.JpegEncodeMs:F2} | {r.SeedJsonEncodeMs:F2} | {r.JpegDecodeMs:F2} | {r.SeedJsonDecodeMs:F2} ")
                + Invariant($"| {r.FloorMs(2):F2} | {r.SeedJsonFloorMs(2):F2} |"));
        }
        text.AppendLine();

        text.AppendLine("BenchmarkDotNet micro benchmarks (in-process, per call):");
        text.AppendLine();
        text.AppendLine("| size | benchmark | mean | median | allocated | 1 OpenCV thread: process ÷ thread CPU | process CPU per call "
            + "| default OpenCV threads: process ÷ thread CPU | process CPU per call |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            foreach (var m in r.Micro)
            {
                text.AppendLine(
                    Invariant($"| {m.Size} | {m.Name} | {Duration(m.MeanNs)} | {Duration(m.MedianNs)} | {m.AllocatedBytes:N0} B ")
                    + Invariant($"| {m.OneThread.ProcessPerThread:F2} | {Duration(m.OneThread.ProcessCpuNsPerCall)} ")
                    + Invariant($"| {m.DefaultThreads.ProcessPerThread:F2} | {Duration(m.DefaultThreads.ProcessCpuNsPerCall)} |"));
            }
        }
        text.AppendLine();

        var first = results.FirstOrDefault();
        text.AppendLine("How it is measured:");
        text.AppendLine();
        text.AppendLine(
            Invariant($"- Source: the project's camera simulator (GStreamer, x264 ultrafast/zerolatency) ")
            + Invariant($"recorded for {FloorMeasurement.ClipDuration.TotalSeconds:0} s at {Fps} fps per size ")
            + Invariant($"with `ffmpeg -rtsp_transport tcp -c copy`, ")
            + Invariant($"so the floor sees the pipeline's picture content."));
        text.AppendLine(
            Invariant($"- **ffmpeg decode**: ffmpeg decodes that clip and discards the pictures (`-f null`), the least any design pays; ")
            + Invariant($"**to BGR on a pipe**: ffmpeg decodes it to `-f rawvideo -pix_fmt bgr24` on a pipe this program drains, ")
            + Invariant($"what the producer's OpenCV encoder needs (`Producer:JpegEncoder=OpenCv`). ")
            + Invariant($"Both with the producer's flags (`-fflags nobuffer -flags low_delay`); ")
            + Invariant($"CPU is the user + system time ffmpeg's `-benchmark` reports (all its threads). ")
            + Invariant($"Median of {FloorMeasurement.DecodeRuns} runs; the median CPU of a one-frame decode ")
            + Invariant($"(start-up and probing: {string.Join(", ", results.Select(r => Invariant($"{r.FfmpegStartupMs:F0} ms at {r.Size}")))}) ")
            + Invariant($"is subtracted and the rest divided by the frames after the first, because the producer's ffmpeg runs for hours."));
        text.AppendLine(
            Invariant($"- **Encode, decode, message build**: ")
            + Invariant($"BenchmarkDotNet {typeof(BenchmarkDotNet.Running.BenchmarkRunner).Assembly.GetName().Version?.ToString(3)} in-process, ")
            + Invariant($"{MicroBenchmarks.WarmupCount} warm-ups and {MicroBenchmarks.IterationCount} iterations ")
            + Invariant($"of {MicroBenchmarks.IterationTime.TotalMilliseconds:0} ms, medians; ")
            + Invariant($"each call takes the next of {first?.SampleFrames ?? 0} frames spread over the clip. ")
            + Invariant($"They call the frame contract's `FrameEncoder` (JPEG quality {Frames.FrameEncoder.DefaultJpegQuality}) ")
            + Invariant($"and `FrameDecoder` with the headers the encoder writes; ")
            + Invariant($"message build is the producer's `Headers` + `Message<string, byte[]>`. ")
            + Invariant($"Bytes are mean payload sizes over the same frames."));
        text.AppendLine(
            "- BenchmarkDotNet is given the benchmark thread's CPU clock (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, "
            + "the clock of the services' per-stage CPU counters) instead of the wall clock, "
            + "so other processes' load on the 2 cores does not count as a call's time, "
            + "and OpenCV runs each call on the calling thread (`OpenCvThreading.Apply(1)`, the services' default `OpenCvThreads=1`) "
            + "so that the thread's CPU is the whole call's.");
        text.Append(
            Invariant($"- The last four columns check that with a plain loop of the same call ")
            + Invariant($"for {MicroBenchmarks.CpuCheckTime.TotalMilliseconds:0} ms: ")
            + Invariant($"the process's CPU (getrusage, all threads) over the calling thread's CPU, and the process's CPU per call. "));
        text.AppendLine(
            "With one OpenCV thread, as the services run by default, about 1 confirms the benchmark sees the whole cost; "
            + "above 1 is work on the runtime's other threads (background GC of the large seed-JSON payloads), which the floor leaves out. "
            + "With OpenCV's default threading (`OpenCvThreads=0`: one thread per core), OpenCV's pool counts too "
            + "(the seed-JSON colour conversions; its threads also spin a while after a parallel call, which can land on the next row). "
            + "Seed-JSON encode allocates a new payload of several MB per frame: in the plain loop, fresh pages (page faults, zeroing) "
            + "and background GC cost it several times BenchmarkDotNet's warm steady state; "
            + "which of the two a service sees depends on its GC, so the pipeline's own stage counters are the judge.");
        return text.ToString();
    }

    private static string Duration(double nanoseconds) => nanoseconds >= 1e6
        ? Invariant($"{nanoseconds / 1e6:F3} ms")
        : Invariant($"{nanoseconds / 1e3:F1} µs");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}
