using System.Globalization;
using System.Text;
using AspirePipeline.Bench.Floor;
using AspirePipeline.Bench.Pipeline;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// Issue #15's figure: how many 1280x720 30 fps cameras one machine carries with both consumer groups. Steps the
/// number of cameras up (doubling, then bisecting) and reports the largest count every run of which was clean (no
/// drops, nothing missing, lag back to zero once the cameras stop, p99 capture-to-processed under 100 ms), with the CPU
/// per frame per process and the ratio to the CPU floor. A realistic site's cameras (<c>--codecs site</c>,
/// <see cref="SiteSettings"/>) are recorded too, and carried only with their recording complete in the window.
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
        + "`--warmup` and `--fps` narrow it down. `--codecs site` is a realistic site's camera (recorded in full to `frames.video`, "
        + "analysed at `--site-fps 5` and `--site-width 640`), measured on its own: see *A realistic site*.\n\n";

    /// <summary>The full measurement of a realistic site (<c>--codecs site</c>), written to a section of its own.</summary>
    private const string SiteCommand = Command + " --codecs site --cameras-site 12,16,20 --runs 5 --section cameras-site";

    private const string SiteHeading =
        "## A realistic site: recorded 720p30 cameras, analysed at 5 fps\n\n"
        + "Reproduce: `" + SiteCommand + "` (the full measurement: 30 s windows, on a quiet machine; the floor is measured too, "
        + "`--no-floor` leaves it out). A smoke run: `" + Command + " --runs 1 --seconds 5 --warmup 3 --codecs site --cameras 1,2 "
        + "--no-floor --output /tmp/site-smoke.md`. Each camera is H.264 at 1280x720 and 30 fps, recorded in full to "
        + "`frames.video` and analysed by both groups from a 5 fps, 640 px wide stream (`--site-fps`, `--site-width`); "
        + "the section below, written by the command in its first line, gives the largest count carried with nothing missing from "
        + "the recording and the analyses on time, and what the recording costs in bytes against the camera's own bitrate.\n";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, string repoRoot, string? output)
    {
        var arguments = CamerasArguments.Parse(args);
        var dataRoot = Path.Combine(repoRoot, ".data", "bench");
        Directory.CreateDirectory(dataRoot);
        // Other work on the machine moves every figure here; the load when the run began says how quiet it was.
        var machine = $"{MachineInfo.Describe(dataRoot)}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start";
        Progress($"machine: {machine}");

        FloorResult? floor = null, siteFloor = null;
        if (arguments.Floor)
        {
            floor = await FloorMeasurement.MeasureAsync(repoRoot, CameraClip.Width, CameraClip.Height, arguments.Fps, Progress);
            if (arguments.Codecs.Contains(CamerasArguments.Site))
            {
                // A site's JPEGs are of its analysis stream's size: their encode and decodes measured at that size.
                siteFloor = await FloorMeasurement.MeasureAsync(repoRoot, arguments.SiteWidth, SiteHeight(arguments), arguments.Fps, Progress);
            }
        }

        var steps = new List<StepResult>();
        // A shared machine, made on purpose: a CPU hog beside the pipeline for every run (killed at the end).
        await using (var stress = arguments.StressCpuLoad > 0 ? StartStress(arguments.StressCpuLoad) : null)
        {
            foreach (var codec in arguments.Codecs)
            {
                var clip = await CameraClip.GetAsync(repoRoot, CamerasArguments.ClipCodec(codec), arguments.Fps, Progress);
                var site = codec == CamerasArguments.Site
                    ? new SiteSettings(arguments.SiteFps, arguments.SiteWidth, await CameraClip.BytesPerSecondAsync(clip, arguments.Fps))
                    : null;
                if (site is not null)
                {
                    Progress(Invariant($"site: the camera's own bitrate is {site.CameraBytesPerSecond / 1000:F1} kB/s ({clip})"));
                }
                steps.AddRange(await StepAsync(repoRoot, codec, clip, arguments, site));
            }
        }

        var markdown = Render(arguments, args, machine, floor, siteFloor, steps);
        Console.WriteLine(markdown);
        if (output is not null)
        {
            MarkdownSection.AddIfMissing(output, arguments.Section, arguments.Section == Section ? Heading
                : arguments.Codecs.SequenceEqual([CamerasArguments.Site]) ? SiteHeading
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
    private static async Task<List<StepResult>> StepAsync(string repoRoot, string codec, string clip, CamerasArguments arguments,
        SiteSettings? site)
    {
        var measured = new SortedDictionary<int, StepResult>();
        async Task<bool> Measure(int cameras)
        {
            var step = await MeasureAsync(repoRoot, codec, clip, cameras, arguments, site);
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

    private static async Task<StepResult> MeasureAsync(string repoRoot, string codec, string clip, int cameras, CamerasArguments arguments,
        SiteSettings? site)
    {
        var runs = new List<CamerasRunResult>();
        for (var run = 1; run <= arguments.Runs; run++)
        {
            Progress(Invariant($"{codec}, {cameras} camera(s): run {run}/{arguments.Runs}"));
            var result = await CamerasRun.RunAsync(repoRoot, clip, codec, cameras, arguments.Fps, arguments.Window, arguments.Warmup,
                arguments.Replicas, Progress, arguments.GroupFpsOf(codec), site);
            runs.Add(result);
            if (result.Recording is { } recording)
            {
                Progress(Invariant($"  recording: {recording.SlowestCameraFps:F1} pictures/s of the camera recorded least, ")
                    + Invariant($"{recording.Missing} missing, pts span − pictures worst {recording.WorstPtsMismatch:+0;-0;0}, ")
                    + Invariant($"{recording.Split} messages continuing a picture, ")
                    + Invariant($"{recording.Producer.Dropped} dropped by the producer; ")
                    + Invariant($"{recording.BytesPerSecondPerCamera / 1000:F1} kB/s per camera, ")
                    + Invariant($"{recording.Ratio:F3} x the camera's {recording.CameraBytesPerSecond / 1000:F1} kB/s ")
                    + Invariant($"(the broker's files {recording.DiskRatio:F3} x)"));
            }
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
        FloorResult? siteFloor, IReadOnlyList<StepResult> steps)
    {
        string Name(string codec) => codec == CamerasArguments.Site
            ? Invariant($"site: H.264 recorded, analysed at {arguments.SiteFps} fps, {arguments.SiteWidth} px")
            : CodecName(codec);
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
        if (arguments.GroupFps > 0 && arguments.Codecs.Any(codec => codec != CamerasArguments.Site))
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
        if (arguments.Codecs.Contains(CamerasArguments.Site))
        {
            Line($"**A realistic site** (`--codecs site`): each camera is the H.264 clip, recorded in full ",
                $"(`Producer:Cameras:N:Record=true`: its ffmpeg copies the stream unmodified into MPEG-TS, one `frames.video` message ",
                $"per access unit) and analysed from a smaller, slower stream (`Fps={arguments.SiteFps}`, `Width={arguments.SiteWidth}`, ",
                $"the height following the aspect ratio), every frame of which both groups analyse (no group rate). ",
                $"Its analyses are judged as above against the analysis rate, {arguments.SiteFps} frames a second per camera: ",
                $"published at least 95 % of {arguments.SiteFps} × cameras, caught up with a tenth of a second of those frames, ",
                $"nothing dropped, missing or skipped, p99 under {CamerasRunResult.MaxP99Ms:0} ms, lag 0 at the end; its CPU ms/frame ",
                $"is per analysed frame (each one {arguments.Fps / (double)arguments.SiteFps:0.#} camera frames decoded by ffmpeg). ",
                $"And its recording must be complete in the window: a benchmark consumer reads `frames.video` from the beginning, ",
                $"and per camera the messages captured in the window must have contiguous `video.sequence` numbers in the topic's order ",
                $"(none missing, none out of order), carry pts spanning as many frames at {arguments.Fps} fps as they hold pictures (±1), ",
                $"come at least at 95 % of {arguments.Fps} pictures a second, and the producer's /stats must report no access unit ",
                $"dropped from the recording (`recording.dropped`, since it started). A picture is a message but for a message less ",
                $"than a millisecond of pts after a keyframe, which continues it: ffmpeg hands on this clip's keyframes ",
                $"(two slices, the RTP payloader's parameter sets before each) as two messages 1 tick apart.");
            Line($"");
        }
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
            var floorMs = FloorMs(codec, floor, siteFloor, arguments);
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
            if (siteFloor is not null)
            {
                Line($"");
                Line($"A site's floor per analysed frame: ffmpeg decodes every camera frame, so {arguments.Fps}/{arguments.SiteFps} × the ",
                    $"{floor.Size} decode ({floor.FfmpegDecodeMs:F2}), + one JPEG encode ({siteFloor.JpegEncodeMs:F2}) and one decode per group ",
                    $"(2 × {siteFloor.JpegDecodeMs:F2}) at {siteFloor.Size}, measured in this run; the scaling and the recording's stream copy ",
                    $"are left out, as the floor leaves out Kafka.");
            }
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
        RenderSiteRecording(steps, Line);
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

    /// <summary>The site rows' recording: complete or not, and its bytes against the camera's own bitrate.</summary>
    private static void RenderSiteRecording(IReadOnlyList<StepResult> steps, Action<FormattableString[]> line)
    {
        void Line(params FormattableString[] parts) => line(parts);
        var siteSteps = steps.Where(step => step.Codec == CamerasArguments.Site).ToList();
        if (siteSteps.Count == 0)
        {
            return;
        }
        Line($"");
        Line($"### The site's recording (frames.video)");
        Line($"");
        Line($"Per count over its runs: how many runs' recordings were complete in the window (see above); in the window the pictures ",
            $"a second of the camera recorded least (median), access units missing, the worst distance of a camera's pts span from its ",
            $"pictures, and messages that continue a picture (summed over the runs); the producer's `recording.dropped` and ",
            $"`skippedBytes` (summed; in the window, and in the run, which adds the access unit each camera's stream was cut in ",
            $"when the cameras stopped). **frames.video / camera bitrate** is the recording's payload per second of a camera's video ",
            $"(the access units in MPEG-TS packets, as the messages hold them) over the camera's own bitrate (the clip's bytes over ",
            $"its duration: the simulator sends the clip's bytes looped); it is over 1 by the transport stream's packet and PES ",
            $"headers, the access-unit delimiters and PAT/PMT ffmpeg's muxer adds and the parameter sets the RTP payloader resends. ",
            $"The broker's figure is its `frames.video-N` directories' bytes per second of a camera's video over the same bitrate: ",
            $"the payload with Kafka's batches, keys and headers. Both are taken over every message of the run (median of the runs), ",
            $"not the window alone: the clip's keyframes, six times its other pictures, come twice a second, and how many a short ",
            $"window holds moves its bytes by a few percent.");
        Line($"");
        Line($"| cameras | runs | recording complete | pictures/s, camera recorded least | missing | pts span − pictures, worst ",
            $"| messages continuing a picture | dropped by the producer | skipped bytes: window / run | frames.video kB/s per camera ",
            $"| camera's own kB/s | frames.video / camera bitrate | broker's frames.video files / camera bitrate |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var step in siteSteps)
        {
            var recordings = step.Runs.Select(run => run.Recording).OfType<SiteRecordingResult>().ToList();
            if (recordings.Count == 0)
            {
                Line($"| {step.Cameras} | {step.Runs.Count} | not measured | – | – | – | – | – | – | – | – | – | – |");
                continue;
            }
            double Median(Func<SiteRecordingResult, double> value) => Statistics.Median(recordings.Select(value));
            var worst = recordings.Select(r => r.WorstPtsMismatch).MaxBy(Math.Abs);
            Line($"| {step.Cameras} | {step.Runs.Count} | {recordings.Count(r => r.Problems.Count == 0)} of {recordings.Count} ",
                $"| {Median(r => r.SlowestCameraFps):F1} | {recordings.Sum(r => r.Missing)} | {worst:+0;-0;0} | {recordings.Sum(r => r.Split)} ",
                $"| {recordings.Sum(r => r.Producer.Dropped)} ",
                $"| {recordings.Sum(r => r.SkippedInWindow)} / {recordings.Sum(r => r.Producer.SkippedBytes)} ",
                $"| {Median(r => r.BytesPerSecondPerCamera) / 1000:F1} | {recordings[0].CameraBytesPerSecond / 1000:F1} ",
                $"| {Median(r => r.Ratio):F3} | {Median(r => r.DiskRatio):F3} |");
        }
    }

    /// <summary>The analysis stream's height of a site camera.</summary>
    private static int SiteHeight(CamerasArguments arguments) =>
        new SiteSettings(arguments.SiteFps, arguments.SiteWidth, 0).AnalysisHeight(CameraClip.Width, CameraClip.Height);

    /// <summary>
    /// The least CPU per published frame a codec's cameras need: for a site, per analysed frame, with every camera frame
    /// decoded and the JPEGs at the analysis size (<paramref name="siteFloor"/>).
    /// </summary>
    private static double? FloorMs(string codec, FloorResult? floor, FloorResult? siteFloor, CamerasArguments arguments) => floor is null
        ? null
        : codec == CamerasArguments.Site
            ? siteFloor is null ? null
                : (double)arguments.Fps / arguments.SiteFps * floor.FfmpegDecodeMs + siteFloor.JpegEncodeMs + 2 * siteFloor.JpegDecodeMs
            : codec == "mjpeg" ? 2 * floor.JpegDecodeMs : floor.FloorMs(2);

    private static string CodecName(string codec) => codec switch
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
