using System.Globalization;
using AspirePipeline.Contracts;
using AspirePipeline.Contracts.Scene;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// One camera of the configuration section <c>Cameras:{id}</c>, with defaults from the section <c>Camera</c> (which
/// also says how simulators run). Read once by the AppHost; every error names the configuration path to fix.
/// </summary>
/// <param name="Id">The camera id: its resource name and the producer's camera id.</param>
/// <param name="Source">
/// Null for the simulator (a moving test pattern at the camera's size and rate, or its <c>Video</c> file looped); else
/// the kind of a site's own camera (<see cref="CameraSourceKinds.External"/>), whose URL is the secret parameter
/// <c>{id}-url</c>.
/// </param>
/// <param name="Width">The simulator's frame width.</param>
/// <param name="Height">The simulator's frame height.</param>
/// <param name="Fps">The simulator's frame rate.</param>
/// <param name="Video">A video file the simulator loops, or null for the test pattern.</param>
/// <param name="Path">The simulator's stream path.</param>
/// <param name="Runtime">How simulators run.</param>
/// <param name="Stream">What the producer makes of the stream: the recording and the analysis stream.</param>
/// <param name="Scene">The zones (<c>Zones:{name}</c>), counting lines (<c>Lines:{name}</c>) and motion masks
/// (<c>MotionMasks:{name}</c>) of its picture, checked.</param>
public sealed record CameraSettings(
    string Id,
    CameraSourceKind? Source,
    int Width,
    int Height,
    int Fps,
    string? Video,
    string Path,
    CameraRuntime Runtime,
    CameraStreamAnnotation Stream,
    CameraSceneAnnotation Scene)
{
    /// <summary>The section of camera entries, one per camera id.</summary>
    public const string CamerasSectionName = "Cameras";

    /// <summary>The section of defaults every camera entry inherits, and of the simulators' runtime.</summary>
    public const string DefaultsSectionName = "Camera";

    /// <summary>The <c>Source</c> of a simulated camera (also the default).</summary>
    public const string SimulatorSource = "Simulator";

    /// <summary>The secret parameter holding a real camera's URL (with credentials): <c>{id}-url</c>.</summary>
    public string UrlParameterName => $"{Id}-url";

    /// <summary>
    /// Every entry of <c>Cameras</c> not switched off with <c>Enabled=false</c>, in configuration order; a relative
    /// <c>Video</c> path is taken from <paramref name="baseDirectory"/> (the AppHost's directory).
    /// </summary>
    public static IReadOnlyList<CameraSettings> ReadAll(IConfiguration configuration, string baseDirectory)
    {
        var defaults = configuration.GetSection(DefaultsSectionName);
        if (string.Equals(defaults["Mode"], "External", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"'{DefaultsSectionName}:Mode=External' was replaced by one entry per camera: set '{CamerasSectionName}:<id>:Source=Rtsp' "
                + "and give its URL as the secret parameter '<id>-url' (e.g. Cameras:camera:Source=Rtsp with Parameters:camera-url).");
        }

        var runtime = CameraRuntime.From(defaults);
        return [.. configuration.GetSection(CamerasSectionName).GetChildren()
            .Where(entry => Flag(entry, "Enabled", fallback: true))
            .Select(entry => From(entry, defaults, runtime, baseDirectory))];
    }

    /// <summary>The entry <c>Cameras:{id}</c>, enabled or not; an absent entry is a test-pattern simulator with the defaults.</summary>
    public static CameraSettings Read(IConfiguration configuration, string id, string baseDirectory) =>
        From(configuration.GetSection(CamerasSectionName).GetSection(id), configuration.GetSection(DefaultsSectionName),
            CameraRuntime.From(configuration.GetSection(DefaultsSectionName)), baseDirectory);

    private static CameraSettings From(IConfigurationSection entry, IConfigurationSection defaults, CameraRuntime runtime, string baseDirectory)
    {
        var id = entry.Key;
        if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || !char.IsAsciiLetter(id[0]))
        {
            throw new InvalidOperationException(
                $"Camera id '{id}' (configuration '{entry.Path}') is not a valid resource name: " +
                "use letters, digits and '-', starting with a letter.");
        }

        var sourceText = entry["Source"];
        CameraSourceKind? source = null;
        if (!string.IsNullOrWhiteSpace(sourceText) && !string.Equals(sourceText, SimulatorSource, StringComparison.OrdinalIgnoreCase))
        {
            source = CameraSourceKinds.Named(sourceText) is { ExternalCamera: true } kind ? kind
                : throw new InvalidOperationException(
                    $"Configuration '{entry.Path}:Source' is '{sourceText}': " +
                    $"use {SimulatorSource}, {string.Join(" or ", CameraSourceKinds.External.Select(k => k.Name))}.");
        }

        var video = NullIfEmpty(entry["Video"]) is { } file ? System.IO.Path.GetFullPath(file, baseDirectory) : null;
        if (video is not null && source is null && !File.Exists(video))
        {
            throw new InvalidOperationException(
                $"Configuration '{entry.Path}:Video' is '{video}', which does not exist: give a video file to loop as this camera "
                + "(Debian's opencv-doc ships /usr/share/doc/opencv-doc/examples/data/vtest.avi; scripts/prerequisites.sh installs it), "
                + $"or switch the camera off with '{entry.Path}:Enabled=false'.");
        }

        var path = (entry["Path"] ?? defaults["Path"] ?? id).Trim('/');
        var analysis = entry.GetSection("Analysis");
        var stream = new CameraStreamAnnotation(
            Flag(entry, "Record", fallback: false), OptionalPositive(analysis, "Fps", 240), OptionalPositive(analysis, "Width", 8192));
        return new CameraSettings(
            id, source,
            Positive(entry, defaults, "Width", 1280),
            Positive(entry, defaults, "Height", 720),
            Positive(entry, defaults, "Fps", 30),
            video,
            path.Length > 0 ? path : id,
            runtime,
            stream,
            new CameraSceneAnnotation(SceneConfiguration.Read(entry)));
    }

    private static int? OptionalPositive(IConfigurationSection section, string key, int max)
    {
        var raw = section[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max
            ? value
            : throw new InvalidOperationException($"Configuration '{section.Path}:{key}' is '{raw}': give a whole number from 1 to {max}.");
    }

    private static int Positive(IConfigurationSection entry, IConfigurationSection defaults, string key, int fallback)
    {
        var (raw, path) = entry[key] is { Length: > 0 } own ? (own, $"{entry.Path}:{key}") : (defaults[key], $"{defaults.Path}:{key}");
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"Configuration '{path}' is '{raw}': give a positive whole number.");
    }

    private static bool Flag(IConfigurationSection entry, string key, bool fallback) =>
        entry[key] switch
        {
            null or "" => fallback,
            var raw when bool.TryParse(raw, out var value) => value,
            var raw => throw new InvalidOperationException($"Configuration '{entry.Path}:{key}' is '{raw}': use true or false."),
        };

    internal static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
