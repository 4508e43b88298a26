using System.Globalization;
using System.Text;
using AspirePipeline.Bench.Floor;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>The markdown section of docs/benchmarks.md that <c>Bench pipeline</c> writes.</summary>
internal static class PipelineReport
{
    private const double LatencyTargetMs = 100;
    private const double CoresTarget = 1.0;
    private const double UnthrottledTargetFps = 90;
    private const double FloorRatioTarget = 1.3;
    private const double SizeRatioTarget = 20;

    public static string Render(PipelineArguments arguments, string machine, IReadOnlyDictionary<string, FloorResult> floors,
        IReadOnlyList<ScenarioResult> throttled, UnthrottledResult? unthrottled, IReadOnlyList<string> commandArgs)
    {
        var text = new StringBuilder();
        var command = PipelineBenchmark.CommandLine(commandArgs);
        Line(text, $"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `{command}`.");
        Line(text, "");
        Line(text, $"Machine: {machine}.");
        Line(text, "");
        Line(text, $"Each figure is the median of {arguments.Runs} runs. A run starts a fresh broker (Release, data on disk), the camera, "
            + $"{arguments.Groups} consumer group(s) (one process each: {string.Join(", ", throttled.FirstOrDefault()?.GroupNames ?? [])}) "
            + $"and the producer as separate processes from their Release builds, "
            + $"waits until every group has processed frames for {arguments.Warmup.TotalSeconds:0} s, then "
            + $"measures a {arguments.Window.TotalSeconds:0} s window. CPU comes from /proc (whole processes and their named threads: `rdk:*` "
            + "are librdkafka's, `kafka-consume` the consumer's fetch thread, `.NET … GC` the collector's); the split inside a process "
            + "(encode, Produce call, decode, analysis, report) is the services' own per-stage thread-CPU accounting at `/stats`. "
            + "Latency is capture (the producer reads the frame from ffmpeg) to processed, per frame, from the results topic "
            + "`frames.analysis`. The camera simulator's CPU is not counted; ffmpeg decoding its stream is (as capture). "
            + "No OTLP exporter is configured, as with `dotnet run` of a service outside Aspire.");
        Line(text, "");

        Line(text, $"### {arguments.Fps} fps camera: JPEG and the original JSON side by side");
        Line(text, "");
        var groups = throttled.FirstOrDefault()?.GroupNames ?? [];
        Line(text, "| size | format | bytes/frame | published fps | " + string.Join(" | ", groups.Select(g => $"{g} fps")) + " | drops | "
            + string.Join(" | ", groups.Select(g => $"{g} latency p50 / p95 / p99 (ms)"))
            + " | lag at end | CPU cores | CPU ms/frame | floor ms/frame | ratio to floor | ratio to reduced-decode floor "
            + "| peak RSS MB (producer, broker, "
            + string.Join(", ", groups) + ") |");
        Line(text, "|---|---|---:|---:|" + string.Concat(groups.Select(_ => "---:|")) + "---:|" + string.Concat(groups.Select(_ => "---:|"))
            + "---:|---:|---:|---:|---:|---:|---|");
        foreach (var result in throttled)
        {
            var floor = floors.GetValueOrDefault(result.Scenario.Size);
            var floorMs = floor?.FloorMs(groups.Count);
            var cpuMs = result.Median(r => r.CpuMsPerFrame);
            var reducedRatio = floor is { ReducedDecodeFloorMs: > 0 } && groups.Count == 2
                ? (cpuMs / floor.ReducedDecodeFloorMs).ToString("F2", CultureInfo.InvariantCulture)
                : "–";
            Line(text, $"| {result.Scenario.Size} | {result.Scenario.Format} | {result.Median(r => r.BytesPerFrame):N0} "
                + $"| {result.Median(r => r.PublishedFps):F1} | "
                + string.Join(" | ", groups.Select(g => F1(result.MedianGroup(g, x => x.Fps)))) + $" | {result.Median(r => r.Dropped):F0} | "
                + string.Join(" | ", groups.Select(g => $"{F0(result.MedianGroup(g, x => x.LatencyP50Ms))} "
                    + $"/ {F0(result.MedianGroup(g, x => x.LatencyP95Ms))} / {F0(result.MedianGroup(g, x => x.LatencyP99Ms))}"))
                + $" | {result.Median(r => r.Groups.Sum(g => g.LagAtEnd)):F0} | {result.Median(r => r.Cores):F2} | {cpuMs:F1} | {F1(floorMs)} | "
                + $"{(floorMs is > 0 ? (cpuMs / floorMs.Value).ToString("F2", CultureInfo.InvariantCulture) : "–")} | "
                + $"{reducedRatio} | "
                + $"{Mb(result, Roles.Producer)}, {Mb(result, Roles.Broker)}, "
                + $"{string.Join(", ", groups.Select(g => Mb(result, Roles.Consumer(g))))} |");
        }
        Line(text, "");
        foreach (var size in throttled.Select(r => r.Scenario.Size).Distinct())
        {
            var jpeg = throttled.FirstOrDefault(r => r.Scenario.Size == size && r.Scenario.Encoding == Frames.FrameEncoding.Jpeg);
            var json = throttled.FirstOrDefault(r => r.Scenario.Size == size && r.Scenario.Encoding == Frames.FrameEncoding.SeedJson);
            if (jpeg is not null && json is not null)
            {
                Line(text, $"- {size}: a JSON frame takes {json.Median(r => r.BytesPerFrame) / jpeg.Median(r => r.BytesPerFrame):F0}× "
                    + "the bytes of a JPEG frame "
                    + $"and {json.Median(r => r.CpuMsPerFrame) / jpeg.Median(r => r.CpuMsPerFrame):F1}× its CPU.");
            }
        }
        Line(text, "");

        Line(text, "### Where the CPU goes (ms per frame)");
        Line(text, "");
        var all = throttled.Concat(unthrottled is null ? [] : new[] { unthrottled.FlatOut }).ToList();
        Line(text, "| stage | group | "
            + string.Join(" | ", all.Select(r => $"{r.Scenario.Size} {r.Scenario.Format}{(r.Scenario.Replayed ? " unthrottled" : "")}"))
            + " |");
        Line(text, "|---|---|" + string.Concat(all.Select(_ => "---:|")));
        var stageKeys = all.SelectMany(r => r.Runs.SelectMany(run => run.Stages.Select(s => (s.Stage, s.Group)))).Distinct().ToList();
        foreach (var (stage, group) in stageKeys)
        {
            Line(text, $"| {stage} | {group ?? "–"} | " + string.Join(" | ", all.Select(r => F2(r.MedianStage(stage, group)))) + " |");
        }
        Line(text, "| **total** | | " + string.Join(" | ", all.Select(r => $"**{r.Median(x => x.CpuMsPerFrame):F1}**")) + " |");
        Line(text, "");

        if (unthrottled is not null)
        {
            Line(text, "### Unthrottled 1280x720, JPEG");
            Line(text, "");
            Line(text, $"The producer replays a 10 s recording of the 1280x720 camera (same picture; H.264 decoded in-process by OpenCV) "
                + $"as two cameras, each as fast as it decodes up to the source's {PipelineScenario.MaxSourceFps} fps cap, so no camera encoder "
                + "competes for the two cores and one source's cap does not hide the pipeline's limit. The producer drops the oldest "
                + "queued frame when encoding falls behind. A paced run then offers 90 % of the rate every group processed flat out "
                + "(75 %, then 50 %, if that was not clean): a rate is sustained if none of its runs has drops or missing frames, "
                + "or ends more than 100 ms of frames behind.");
            Line(text, "");
            Line(text, "| run | offered fps | published fps | " + string.Join(" | ", groups.Select(g => $"{g} fps"))
                + " | drops | lag at end | " + string.Join(" | ", groups.Select(g => $"{g} p99 (ms)")) + " | CPU cores |");
            Line(text, "|---|---:|---:|" + string.Concat(groups.Select(_ => "---:|"))
                + "---:|---:|" + string.Concat(groups.Select(_ => "---:|")) + "---:|");
            foreach (var (name, result) in new[] { ("flat out", unthrottled.FlatOut), ("paced", unthrottled.Paced) })
            {
                if (result is null)
                {
                    continue;
                }
                // The replay is paced by a .NET timer, which ticks in whole milliseconds: 140 fps asks for 7.14 ms and
                // gets 7 ms (143 fps).
                var perCamera = 1000.0 / Math.Floor(1000.0 / result.Scenario.Fps);
                var offered = (perCamera * result.Scenario.Cameras).ToString("F0", CultureInfo.InvariantCulture);
                Line(text, $"| {name} | {(result == unthrottled.FlatOut ? "≤" : "")}{offered} ({result.Scenario.Cameras} × {perCamera:F0}) "
                    + $"| {result.Median(r => r.PublishedFps):F1} | "
                    + string.Join(" | ", groups.Select(g => F1(result.MedianGroup(g, x => x.Fps))))
                    + $" | {result.Median(r => r.Dropped):F0} | {result.Median(r => r.Groups.Sum(g => g.LagAtEnd)):F0} | "
                    + string.Join(" | ", groups.Select(g => F0(result.MedianGroup(g, x => x.LatencyP99Ms))))
                    + $" | {result.Median(r => r.Cores):F2} |");
            }
            Line(text, "");
        }

        Line(text, "### Targets (issue #7)");
        Line(text, "");
        foreach (var target in Targets(throttled, unthrottled, floors, groups.Count, arguments.Fps))
        {
            Line(text, $"- {target}");
        }
        return text.ToString();
    }

    private static IEnumerable<string> Targets(IReadOnlyList<ScenarioResult> throttled, UnthrottledResult? unthrottled,
        IReadOnlyDictionary<string, FloorResult> floors, int groups, int fps)
    {
        var hd = throttled.FirstOrDefault(r => r.Scenario.Size == "1280x720" && r.Scenario.Encoding == Frames.FrameEncoding.Jpeg);
        if (hd is not null)
        {
            var drops = hd.Median(r => r.Dropped + r.Groups.Sum(g => g.Missing));
            var p99 = hd.GroupNames.Max(g => hd.MedianGroup(g, x => x.LatencyP99Ms) ?? double.MaxValue);
            var cores = hd.Median(r => r.Cores);
            yield return Verdict(drops == 0 && p99 < LatencyTargetMs && cores < CoresTarget,
                $"1280x720 at {fps} fps, {groups} groups: {drops:F0} drops/missing frames, "
                + $"worst group p99 {p99:F0} ms (target < {LatencyTargetMs:F0}), "
                + $"{cores:F2} cores for producer + ffmpeg + broker + consumers (target < {CoresTarget:F1})");
            if (floors.GetValueOrDefault(hd.Scenario.Size) is { } floor && groups == 2)
            {
                var ratio = hd.Median(r => r.CpuMsPerFrame) / floor.FloorMs(groups);
                yield return Verdict(ratio <= FloorRatioTarget,
                    $"CPU per frame at 1280x720: {hd.Median(r => r.CpuMsPerFrame):F1} ms, {ratio:F2}× the floor of {floor.FloorMs(groups):F1} ms "
                    + $"(target ≤ {FloorRatioTarget}×); "
                    + $"{hd.Median(r => r.CpuMsPerFrame) / floor.ReducedDecodeFloorMs:F2}× the {floor.ReducedDecodeFloorMs:F1} ms "
                    + "floor of the reduced decodes the two analyzers actually need");
            }
            var json = throttled.FirstOrDefault(r => r.Scenario.Size == "1280x720" && r.Scenario.Encoding == Frames.FrameEncoding.SeedJson);
            if (json is not null)
            {
                var ratio = json.Median(r => r.BytesPerFrame) / hd.Median(r => r.BytesPerFrame);
                yield return Verdict(ratio >= SizeRatioTarget,
                    $"bytes per frame at 1280x720: JSON / JPEG = {ratio:F0}× (target ≥ {SizeRatioTarget:F0}×)");
            }
        }
        if (unthrottled is not null)
        {
            var flat = unthrottled.FlatOut;
            var verified = unthrottled.Paced ?? flat;
            var clean = verified.IsClean;
            var rate = verified.GroupNames.Min(g => verified.MedianGroup(g, x => x.Fps) ?? 0);
            var how = unthrottled.Paced is null
                ? "flat out, with no drops or lag at the sources' cap"
                : clean
                    ? "sustained when offered paced (no drops or missing frames, under 100 ms behind, in every run)"
                    : "NOT sustained even at the lowest paced rate tried";
            yield return Verdict(clean && rate >= UnthrottledTargetFps,
                $"unthrottled 1280x720, {groups} groups: {rate:F0} fps {how} (target ≥ {UnthrottledTargetFps:F0})");
            if (floors.GetValueOrDefault(flat.Scenario.Size) is { } floor)
            {
                yield return $"for comparison, flat out at {flat.Median(r => r.PublishedFps):F0} fps "
                    + $"the same pipeline takes {flat.Median(r => r.CpuMsPerFrame):F1} CPU ms "
                    + $"per frame, {flat.Median(r => r.CpuMsPerFrame) / floor.FloorMs(groups):F2}× the floor "
                    + "(its capture is OpenCV decoding the recording in-process "
                    + "rather than ffmpeg): at 30 fps every frame crosses each process boundary alone, under load the wake-ups are shared";
            }
        }
    }

    private static string Verdict(bool met, string text) => $"{(met ? "**met**" : "**missed**")}: {text}";

    private static string Mb(ScenarioResult result, string role) =>
        (result.Median(r => r.PeakResidentBytes.GetValueOrDefault(role)) / (1024 * 1024)).ToString("F0", CultureInfo.InvariantCulture);

    private static string F0(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F0", CultureInfo.InvariantCulture) : "–";

    private static string F1(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F1", CultureInfo.InvariantCulture) : "–";

    private static string F2(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
