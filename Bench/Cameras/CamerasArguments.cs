using System.Globalization;

namespace AspirePipeline.Bench.Cameras;

/// <summary>Options of <c>Bench cameras</c>.</summary>
internal sealed record CamerasArguments(
    int Runs,
    TimeSpan Window,
    TimeSpan Warmup,
    IReadOnlyList<string> Codecs,
    int MaxCameras,
    IReadOnlyList<int>? Steps,
    int Fps,
    bool Floor,
    int Replicas = 1)
{
    /// <summary><c>--group-fps</c>: each group analyses at most this many frames a second per camera (0: every frame).</summary>
    public int GroupFps { get; init; }

    /// <summary><c>--site-fps</c>: a site camera's analysis stream, frames a second (its recording is every frame).</summary>
    public int SiteFps { get; init; } = 5;

    /// <summary><c>--site-width</c>: a site camera's analysis stream, pixels wide (the height keeps the aspect ratio).</summary>
    public int SiteWidth { get; init; } = 640;

    /// <summary><c>--stress-cpu-load</c>: a background process (stress-ng) loads one core to this percentage during the runs.</summary>
    public int StressCpuLoad { get; init; }

    /// <summary><c>--section</c>: the docs section the report replaces (<c>cameras</c>; another name for a variant).</summary>
    public string Section { get; init; } = "cameras";

    /// <summary><c>--cameras-CODEC</c> steps that replace <see cref="Steps"/> for that codec.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> StepsByCodec { get; init; } = new Dictionary<string, IReadOnlyList<int>>();

    /// <summary>The fixed steps of <paramref name="codec"/>, or null to step up and bisect.</summary>
    public IReadOnlyList<int>? StepsOf(string codec) => StepsByCodec.TryGetValue(codec, out var steps) ? steps : Steps;

    public const string Usage =
        "cameras [--runs 5] [--seconds 30] [--warmup 10] [--codecs h264,h264-opencv,mjpeg] [--max-cameras 32] [--cameras 1,2,4] "
        + "[--cameras-mjpeg 20,24,28 (per codec)] [--fps 30] [--replicas 1] [--group-fps 5] [--stress-cpu-load 50] [--section NAME] "
        + "[--site-fps 5] [--site-width 640] [--no-floor] [--output FILE]; --codecs site: recorded cameras analysed at --site-fps";

    /// <summary>The <see cref="KnownCodecs"/> name of a realistic site's cameras (<see cref="SiteSettings"/>).</summary>
    public const string Site = "site";

    /// <summary>
    /// H.264 with ffmpeg encoding the JPEGs (the default), H.264 with OpenCV encoding them in the producer, Motion JPEG,
    /// and a site's cameras: H.264 recorded in full to <c>frames.video</c> and analysed at <see cref="SiteFps"/> and
    /// <see cref="SiteWidth"/> (JPEGs by ffmpeg).
    /// </summary>
    public static readonly string[] KnownCodecs = ["h264", "h264-opencv", "mjpeg", Site];

    /// <summary>The clip a codec's cameras serve.</summary>
    public static string ClipCodec(string codec) => codec == "mjpeg" ? "mjpeg" : "h264";

    /// <summary>The producer's <c>Producer:JpegEncoder</c> for a codec's run.</summary>
    public static string JpegEncoder(string codec) => codec == "h264-opencv" ? "OpenCv" : "Ffmpeg";

    /// <summary>
    /// Frames a second per camera the producer publishes to <c>frames</c> in a codec's run: a site's analysis rate, else
    /// the cameras'.
    /// </summary>
    public int PublishFps(string codec) => codec == Site ? SiteFps : Fps;

    /// <summary>Each group's <c>FrameProcessing:Fps</c> in a codec's run: a site's groups analyse every frame of its analysis stream.</summary>
    public int GroupFpsOf(string codec) => codec == Site ? 0 : GroupFps;

    public static CamerasArguments Parse(IReadOnlyList<string> args)
    {
        var options = new CommandLine(args);
        string? Value(string name) => options.Value(name);
        int Int(string name, int fallback) => options.Int(name, fallback);

        var codecs = (Value("--codecs") ?? "h264,h264-opencv,mjpeg")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(codec => KnownCodecs.Contains(codec.ToLowerInvariant())
                ? codec.ToLowerInvariant()
                : throw new ArgumentException($"--codecs: unknown codec '{codec}' ({string.Join(", ", KnownCodecs)})."))
            .Distinct().ToList();
        List<int>? Steps(string option) => Value(option)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(step => int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{option}: '{step}' is not a positive number of cameras."))
            .Distinct().Order().ToList();
        var byCodec = KnownCodecs.Select(codec => (codec, steps: Steps($"--cameras-{codec}")))
            .Where(entry => entry.steps is not null).ToDictionary(entry => entry.codec, entry => (IReadOnlyList<int>)entry.steps!);
        return new CamerasArguments(Int("--runs", 5), TimeSpan.FromSeconds(Int("--seconds", 30)), TimeSpan.FromSeconds(Int("--warmup", 10)),
            codecs, Int("--max-cameras", 32), Steps("--cameras"), Int("--fps", 30), !args.Contains("--no-floor"), Int("--replicas", 1))
        {
            StepsByCodec = byCodec,
            GroupFps = Value("--group-fps") is null ? 0 : Int("--group-fps", 0),
            StressCpuLoad = Value("--stress-cpu-load") is null ? 0 : Int("--stress-cpu-load", 0) is var load && load <= 100
                ? load : throw new ArgumentException("--stress-cpu-load is a percentage of one core, 1 to 100."),
            SiteFps = Int("--site-fps", 5) is var siteFps && siteFps <= Int("--fps", 30)
                ? siteFps : throw new ArgumentException("--site-fps is at most the cameras' --fps."),
            SiteWidth = Int("--site-width", 640) is var siteWidth && siteWidth % 2 == 0
                ? siteWidth : throw new ArgumentException("--site-width must be even (ffmpeg's 4:2:0 JPEGs)."),
            Section = Value("--section") is { } section
                ? section.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                    ? section
                    : throw new ArgumentException("--section: letters, digits and '-' only.")
                : "cameras",
        };
    }
}
