using System.Globalization;
using System.Text;
using AspirePipeline.Bench.Floor;
using AspirePipeline.Bench.Pipeline;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// Issue #15's figure: how many 1280x720 30 fps cameras one machine carries with both consumer groups. Steps the
/// number of cameras up (doubling, then bisecting) and reports the largest count every run of which was clean (no
/// drops, nothing missing, lag back to zero once the cameras stop, p99 capture-to-processed under 100 ms), with the CPU
/// per frame per process and the ratio to the CPU floor.
/// </summary>
internal static class CamerasBenchmark
{
    public const string Command = "dotnet run --project Bench -c Release -- cameras";
    public const string Section = "cameras";

    private const string Heading =
        "## Cameras per box: how many 720p30 cameras one machine carries\n\n"
        + "Reproduce: `dotnet run --project Bench -c Release -- cameras --runs 5` (the full measurement: 30 s windows, up to 32 "
        + "cameras, on a quiet machine). A smoke run that checks the benchmark works: `dotnet run --project Bench -c Release -- "
        + "cameras --runs 1 --max-cameras 4 --seconds 10 --no-floor`. `--codecs h264,h264-opencv,mjpeg`, `--cameras 1,2,4` "
        + "(fixed steps; `--cameras-mjpeg 20,24,28` for one codec), "
        + "`--warmup` and `--fps` narrow it down.\n\n";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, string repoRoot, string? output)
    {
        var arguments = CamerasArguments.Parse(args);
        var dataRoot = Path.Combine(repoRoot, ".data", "bench");
        Directory.CreateDirectory(dataRoot);
        // Other work on the machine moves every figure here; the load when the run began says how quiet it was.
        var machine = $"{MachineInfo.Describe(dataRoot)}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start";
        Progress($"machine: {machine}");

        FloorResult? floor = null;
        if (arguments.Floor)
        {
            floor = await FloorMeasurement.MeasureAsync(repoRoot, CameraClip.Width, CameraClip.Height, arguments.Fps, Progress);
        }

        var steps = new List<StepResult>();
        // A shared machine, made on purpose: a CPU hog beside the pipeline for every run (killed at the end).
        await using (var stress = arguments.StressCpuLoad > 0 ? StartStress(arguments.StressCpuLoad) : null)
        {
            foreach (var codec in arguments.Codecs)
            {
                var clip = await CameraClip.GetAsync(repoRoot, CamerasArguments.ClipCodec(codec), arguments.Fps, Progress);
                steps.AddRange(await StepAsync(repoRoot, codec, clip, arguments));
            }
        }

        var markdown = Render(arguments, args, machine, floor, steps);
        Console.WriteLine(markdown);
        if (output is not null)
        {
            MarkdownSection.AddIfMissing(output, arguments.Section, arguments.Section == Section ? Heading
                : $"### Cameras per box, `{arguments.Section}`\n\nReproduce: the command in the section's first line.\n");
            MarkdownSection.Replace(output, arguments.Section, markdown);
            Progress($"written to {output}");
        }
        return 0;
    }

    private static ChildProcess StartStress(int load)
    {
        var stressNg = new[] { "/usr/bin/stress-ng", "/usr/local/bin/stress-ng" }.FirstOrDefault(File.Exists)
            ?? throw new ArgumentException(
                "--stress-cpu-load needs stress-ng: install the Debian package stress-ng (apt-get install --no-install-recommends stress-ng).");
        Progress(Invariant($"background load: stress-ng --cpu 1 --cpu-load {load} for the whole benchmark"));
        return ChildProcess.Start("stress-ng", stressNg, ["--cpu", "1", "--cpu-load", load.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>Doubling from one camera until a count is not carried, then bisecting; or the fixed <c>--cameras</c> steps.</summary>
    private static async Task<List<StepResult>> StepAsync(string repoRoot, string codec, string clip, CamerasArguments arguments)
    {
        var measured = new SortedDictionary<int, StepResult>();
        async Task<bool> Measure(int cameras)
        {
            var step = await MeasureAsync(repoRoot, codec, clip, cameras, arguments);
            measured[cameras] = step;
            return step.IsClean;
        }

        if (arguments.StepsOf(codec) is { } fixedSteps)
        {
            foreach (var cameras in fixedSteps.Where(n => n <= arguments.MaxCameras))
            {
                await Measure(cameras);
            }
            return [.. measured.Values];
        }

        int? carried = null, notCarried = null;
        for (var cameras = 1;
            cameras <= arguments.MaxCameras;
            cameras = cameras == arguments.MaxCameras ? cameras + 1 : Math.Min(cameras * 2, arguments.MaxCameras))
        {
            if (!await Measure(cameras))
            {
                notCarried = cameras;
                break;
            }
            carried = cameras;
        }
        // Between the last count carried and the first not carried, halve the gap until they are neighbours.
        while (carried is { } low && notCarried is { } high && high - low > 1)
        {
            var middle = (low + high) / 2;
            if (await Measure(middle))
            {
                carried = middle;
            }
            else
            {
                notCarried = middle;
            }
        }
        return [.. measured.Values];
    }

    private static async Task<StepResult> MeasureAsync(string repoRoot, string codec, string clip, int cameras, CamerasArguments arguments)
    {
        var runs = new List<CamerasRunResult>();
        for (var run = 1; run <= arguments.Runs; run++)
        {
            Progress(Invariant($"{codec}, {cameras} camera(s): run {run}/{arguments.Runs}"));
            var result = await CamerasRun.RunAsync(repoRoot, clip, codec, cameras, arguments.Fps, arguments.Window, arguments.Warmup,
                arguments.Replicas, Progress, arguments.GroupFps);
            runs.Add(result);
            Progress(
                Invariant($"  published {result.PublishedFps:F1} fps, {result.TotalMsPerFrame:F2} CPU ms/frame ")
                + Invariant($"(producer {result.ProducerMsPerFrame:F2} + ffmpeg {result.FfmpegMsPerFrame:F2}, broker {result.BrokerMsPerFrame:F2}, ")
                + Invariant($"{string.Join(", ", result.Groups.Select(g => $"{g.Group} {g.CpuMsPerFrame:F2}"))}), {result.Cores:F2} cores, ")
                + Invariant($"p99 {string.Join("/", result.Groups.Select(g => $"{g.LatencyP99Ms:F0}"))} ms, ")
                + Invariant($"passed through {result.PassedThrough}, encoded by ffmpeg {result.EncodedByFfmpeg}, by the producer {result.Encoded}: ")
                + Invariant($"{(result.IsClean ? "carried" : "NOT carried: " + string.Join("; ", result.Problems))}"));
            if (!result.IsClean)
            {
                break; // one run not carried settles the count
            }
        }
        return new StepResult(codec, cameras, arguments.Runs, runs);
    }

    private static string Render(CamerasArguments arguments, IReadOnlyList<string> args, string machine, FloorResult? floor,
        IReadOnlyList<StepResult> steps)
    {
        var text = new StringBuilder();
        // One line of the report, given in parts (each formatted invariantly) where it is too long for one source line.
        void Line(params FormattableString[] parts) =>
            text.AppendLine(string.Concat(parts.Select(part => part.ToString(CultureInfo.InvariantCulture))));
        Line($"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by ",
            $"`{PipelineBenchmark.CommandLine(args).Replace(PipelineBenchmark.Command, Command, StringComparison.Ordinal)}`.");
        Line($"");
        Line($"Machine: {machine}.");
        Line($"");
        if (arguments.StressCpuLoad > 0)
        {
            Line($"**A shared machine on purpose:** `stress-ng --cpu 1 --cpu-load {arguments.StressCpuLoad}` ",
                $"ran beside the pipeline for every run (it shows in *other processes' cores*).");
            Line($"");
        }
        if (arguments.GroupFps > 0)
        {
            Line($"**Each group analyses at most {arguments.GroupFps} frames a second per camera** (`FrameProcessing:Fps={arguments.GroupFps}`); ",
                $"the other frames are passed over undecoded. Latency and CPU per frame are of the analysed frames.");
            Line($"");
        }
        if (arguments.Runs == 1)
        {
            Line($"**One run per count: a smoke test that the benchmark works, not a measurement of the machine's capacity.**");
            Line($"");
        }
        Line($"Each camera is an RTSP stream of a recorded {CameraClip.Width}x{CameraClip.Height} clip of the camera simulator's picture, ",
            $"served looped and paced at {arguments.Fps} fps by the simulator's `--clip` mode without decoding or encoding ",
            $"(H.264 as the simulator encoded it; MJPEG transcoded from it once, at ffmpeg's `-q:v 4`); ",
            $"each camera is its own mount of that server, started when its reader connects, so the cameras' frames are not in step. ",
            $"One producer process reads all cameras (one ffmpeg child each), publishes JPEG to our broker (3 partitions, data on disk), ",
            $"and both consumer groups (Consumer, Consumer2) read every frame",
            $"{(arguments.Replicas > 1 ? Invariant($", each as {arguments.Replicas} replicas (processes) that split the partitions") : "")}. ",
            $"A run warms up until every camera is connected and both groups have processed frames for {arguments.Warmup.TotalSeconds:0} s, ",
            $"then until both groups have caught up (lag at most a tenth of a second of the cameras' frames, ",
            $"within {CamerasRunResult.WarmupDeadlineSeconds:0} s: the drain time is reported), ",
            $"measures a {arguments.Window.TotalSeconds:0} s window, then stops the cameras and waits until both groups have caught up. ",
            $"A count of cameras is carried when every one of its {arguments.Runs} runs caught up after the warm-up, ",
            $"published at least 95 % of the cameras' frames, dropped none, left none missing or skipped in either group, ",
            $"kept p99 capture-to-processed under {CamerasRunResult.MaxP99Ms:0} ms and ended with lag 0. ",
            $"Counts go 1, 2, 4, ... up to {arguments.MaxCameras}, then bisect between the last carried and the first not carried. ",
            $"CPU is per process from /proc: the producer's own and its ffmpeg children's (living and reaped) per published frame, ",
            $"the broker's per published frame, each consumer's per frame it processed; ",
            $"the camera server's is reported apart and not counted. Figures are medians over the runs of a count.");
        Line($"");
        Line($"### Cameras carried");
        Line($"");
        Line($"| codec | cameras carried | cameras per core ({Environment.ProcessorCount} cores) ",
            $"| CPU cores used | CPU ms/frame | floor ms/frame | ratio to floor |");
        Line($"|---|---:|---:|---:|---:|---:|---:|");
        foreach (var codec in steps.Select(s => s.Codec).Distinct())
        {
            // The count carried is the largest that was carried with every smaller count tried carried too: a count
            // above a failed one that happened to pass is not capacity the machine has (it is shown in the next table).
            var ceiling = steps.Where(s => s.Codec == codec && !s.IsClean).Select(s => (int?)s.Cameras).Min();
            var best = steps.Where(s => s.Codec == codec && s.IsClean && (ceiling is null || s.Cameras < ceiling)).MaxBy(s => s.Cameras);
            var floorMs = FloorMs(codec, floor);
            if (best is null)
            {
                Line($"| {Name(codec)} | none of the counts tried | – | – | – | {Format(floorMs)} | – |");
                continue;
            }
            var total = best.Median(r => r.TotalMsPerFrame);
            var carried = ceiling is null && best.Cameras >= arguments.MaxCameras ? $"≥ {best.Cameras} (the most tried)"
                : ceiling is null ? $"≥ {best.Cameras} (no count failed)" : $"{best.Cameras}";
            Line($"| {Name(codec)} | {carried} | {(double)best.Cameras / Environment.ProcessorCount:F1} | {best.Median(r => r.Cores):F2} ",
                $"| {total:F2} | {Format(floorMs)} | {(floorMs is { } f ? (total / f).ToString("F2", CultureInfo.InvariantCulture) : "–")} |");
        }
        Line($"");
        if (floor is not null)
        {
            Line($"The floor, measured in this run at {floor.Size}: for H.264 ffmpeg's decode alone ({floor.FfmpegDecodeMs:F2}; ",
                $"to BGR on a pipe, as the OpenCV encoder needs, {floor.FfmpegToPixelsMs:F2}) ",
                $"+ one JPEG encode ({floor.JpegEncodeMs:F2}, OpenCV's) + one JPEG decode per group (2 × {floor.JpegDecodeMs:F2}); ",
                $"for MJPEG passed through only the two group decodes (of the producer's quality-80 JPEG, near the camera's in size). ",
                $"Both H.264 rows are measured against the same floor.");
        }
        else
        {
            Line($"The floor was not measured in this run (`--no-floor`); see the CPU floor section.");
        }
        Line($"");
        Line($"### Every count tried (CPU ms per frame)");
        Line($"");
        Line($"| codec | cameras | runs | carried | published fps | p99 ms (Consumer / Consumer2) ",
            $"| producer | its ffmpeg | broker | Consumer | Consumer2 | total | cores | camera server cores ",
            $"| frames passed through / encoded by ffmpeg / by the producer | not carried because |");
        Line($"|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var step in steps)
        {
            var groupNames = step.Runs.SelectMany(r => r.Groups.Select(g => g.Group)).Distinct().Order().ToList();
            string Group(int index, Func<CameraGroupResult, double?> value) => index < groupNames.Count
                ? Format(step.MedianGroup(groupNames[index], value)) : "–";
            Line($"| {Name(step.Codec)} | {step.Cameras} | {step.Runs.Count} | {(step.IsClean ? "yes" : "no")} ",
                $"| {step.Median(r => r.PublishedFps):F1} | {Group(0, g => g.LatencyP99Ms)} / {Group(1, g => g.LatencyP99Ms)} ",
                $"| {step.Median(r => r.ProducerMsPerFrame):F2} | {step.Median(r => r.FfmpegMsPerFrame):F2} ",
                $"| {step.Median(r => r.BrokerMsPerFrame):F2} | {Group(0, g => g.CpuMsPerFrame)} | {Group(1, g => g.CpuMsPerFrame)} ",
                $"| {step.Median(r => r.TotalMsPerFrame):F2} | {step.Median(r => r.Cores):F2} | {step.Median(r => r.ServerCores):F2} ",
                $"| {step.Runs.Sum(r => r.PassedThrough)} / {step.Runs.Sum(r => r.EncodedByFfmpeg)} / {step.Runs.Sum(r => r.Encoded)} ",
                $"| {string.Join("; ", step.Runs.SelectMany(r => r.Problems).Distinct())} |");
        }
        Line($"");
        Line($"### Where the time goes (medians of the runs of each count)");
        Line($"");
        Line($"Machine cores busy is every process's CPU (/proc/stat) in the window; other processes' cores is what is left after the pipeline, ",
            $"the camera server and this benchmark (its own polling and results reading, shown apart): ",
            $"a machine shared with other work shows here. ",
            $"Run-queue wait is the time a process's threads were runnable with no core free (/proc/PID/task/*/schedstat), ",
            $"in ms per second of the window: 1000 would be one thread waiting all the time. ",
            $"In the broker / prefetched is each group's lag at the window's end split by librdkafka's statistics: ",
            $"frames not fetched yet (high watermark − next fetch offset) ",
            $"and frames fetched and queued in the client (next fetch offset − application offset).");
        Line($"");
        Line($"| codec | cameras | warm-up drain s | lag at window end (C1 / C2) | machine cores busy | other processes' cores ",
            $"| benchmark's cores | run-queue wait ms/s: producer+ffmpeg / broker / C1 / C2 ",
            $"| in the broker / prefetched at window end: C1; C2 | fetches/s (C1 / C2) | fetch RTT ms (C1 / C2) |");
        Line($"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var step in steps)
        {
            var groupNames = step.Runs.SelectMany(r => r.Groups.Select(g => g.Group)).Distinct().Order().ToList();
            string Both(Func<CameraGroupResult, double?> value, string digits = "F0") => string.Join(" / ", groupNames.Select(name =>
                step.MedianGroup(name, value) is { } v ? v.ToString(digits, CultureInfo.InvariantCulture) : "–"));
            var drains = step.Runs.Select(r => r.WarmupDrainSeconds).ToList();
            var drain = drains.Any(d => d is null) ? $"not caught up in {drains.Count(d => d is null)} of {drains.Count}"
                : Statistics.Median(drains.Select(d => d!.Value)).ToString("F1", CultureInfo.InvariantCulture);
            var fetchSplit = string.Join("; ", groupNames.Select(name =>
                $"{Format0(step.MedianGroup(name, g => g.FetchAtWindowEnd.InBroker))} / " +
                $"{Format0(step.MedianGroup(name, g => g.FetchAtWindowEnd.Prefetched))}"));
            Line($"| {Name(step.Codec)} | {step.Cameras} | {drain} | {Both(g => g.LagAtWindowEnd)} ",
                $"| {step.Median(r => r.MachineCores):F2} | {step.Median(r => r.OtherCores):F2} | {step.Median(r => r.BenchCores):F2} ",
                $"| {step.Median(r => r.ProducerRunQueueMsPerSecond):F0} / {step.Median(r => r.BrokerRunQueueMsPerSecond):F0} ",
                $"/ {Both(g => g.RunQueueWaitMsPerSecond)} | {fetchSplit} ",
                $"| {Both(g => g.FetchesPerSecond)} | {Both(g => g.FetchAtWindowEnd.RttMs, "F1")} |");
        }
        return text.ToString();
    }

    private static string Format0(double? value) => value is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) : "–";

    private static double? FloorMs(string codec, FloorResult? floor) => floor is null ? null
        : codec == "mjpeg" ? 2 * floor.JpegDecodeMs : floor.FloorMs(2);

    private static string Name(string codec) => codec switch
    {
        "mjpeg" => "MJPEG (passthrough)",
        "h264-opencv" => "H.264, JPEG by OpenCV in the producer",
        _ => "H.264, JPEG by ffmpeg",
    };

    private static string Format(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}

/// <summary>The runs of one count of cameras; carried when every planned run ran and was clean.</summary>
internal sealed record StepResult(string Codec, int Cameras, int PlannedRuns, IReadOnlyList<CamerasRunResult> Runs)
{
    public bool IsClean => Runs.Count == PlannedRuns && Runs.All(r => r.IsClean);

    public double Median(Func<CamerasRunResult, double> value) => Statistics.Median(Runs.Select(value));

    public double? MedianGroup(string group, Func<CameraGroupResult, double?> value)
    {
        var values = Runs.Select(r => r.Groups.FirstOrDefault(g => g.Group == group)).Where(g => g is not null)
            .Select(g => value(g!)).Where(v => v is not null).Select(v => v!.Value).ToList();
        return values.Count == 0 ? null : Statistics.Median(values);
    }
}
