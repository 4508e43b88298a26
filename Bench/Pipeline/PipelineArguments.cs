using System.Globalization;
using AspirePipeline.Frames;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>Options of <c>Bench pipeline</c>.</summary>
internal sealed record PipelineArguments(
    int Runs,
    TimeSpan Window,
    TimeSpan Warmup,
    IReadOnlyList<(int Width, int Height)> Sizes,
    IReadOnlyList<FrameEncoding> Encodings,
    int Fps,
    int Groups,
    bool Unthrottled,
    bool Floor)
{
    public const string Usage =
        "pipeline [--runs 3] [--seconds 20] [--warmup 10] [--sizes 640x480,1280x720,1920x1080] [--formats jpeg,json] "
        + "[--fps 30] [--groups 2] [--no-unthrottled] [--no-floor] [--output FILE]";

    public static PipelineArguments Parse(IReadOnlyList<string> args)
    {
        var options = new CommandLine(args);
        string? Value(string name) => options.Value(name);
        int Int(string name, int fallback) => options.Int(name, fallback);

        var sizes = (Value("--sizes") ?? "640x480,1280x720,1920x1080").Split(',').Select(ParseSize).ToList();
        var encodings = (Value("--formats") ?? "jpeg,json").Split(',').Select(format => format.Trim().ToLowerInvariant() switch
        {
            "jpeg" => FrameEncoding.Jpeg,
            "json" or "seedjson" => FrameEncoding.SeedJson,
            "raw" => FrameEncoding.RawBgr,
            _ => throw new ArgumentException($"--formats: unknown format '{format}' (jpeg, json, raw)."),
        }).ToList();
        return new PipelineArguments(Int("--runs", 3), TimeSpan.FromSeconds(Int("--seconds", 20)), TimeSpan.FromSeconds(Int("--warmup", 10)),
            sizes, encodings, Int("--fps", 30), Int("--groups", 2), !args.Contains("--no-unthrottled"),
            !args.Contains("--no-floor"));
    }

    private static (int, int) ParseSize(string text)
    {
        var parts = text.Trim().Split('x');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var height) && width >= 16 && height >= 16
            ? (width, height)
            : throw new ArgumentException($"--sizes: '{text}' is not WIDTHxHEIGHT (e.g. 1280x720).");
    }
}
