using System.Globalization;

namespace AspirePipeline.Contracts.Scene;

/// <summary>One camera's checked zones, counting lines and motion masks (<see cref="Read"/> checks the configured ones).</summary>
public sealed record CameraScene(
    string CameraId, IReadOnlyList<SceneZone> Zones, IReadOnlyList<SceneLine> Lines, IReadOnlyList<SceneMask> MotionMasks)
{
    /// <summary>The section a group's service reads the scenes of its cameras from: <c>Scene:Cameras:{id}</c>.</summary>
    public const string ServiceSectionName = "Scene:Cameras";

    public static CameraScene Empty(string cameraId) => new(cameraId, [], [], []);

    public bool IsEmpty => Zones.Count == 0 && Lines.Count == 0 && MotionMasks.Count == 0;

    /// <summary>Whether <paramref name="point"/> lies in one of the camera's motion masks.</summary>
    public bool IsMasked(ScenePoint point) => MotionMasks.Any(mask => mask.Contains(point));

    /// <summary>
    /// The scene <paramref name="settings"/> describe, checked: a zone needs three points or more, enclosing an area; a
    /// line two distinct points and an <c>In</c> direction across it; a motion mask three points or more, enclosing an
    /// area; coordinates lie from 0 to 1; names are letters,
    /// digits, '-' and '_'. An error names the configuration path under <paramref name="path"/> (the camera's entry).
    /// </summary>
    public static CameraScene Read(string cameraId, CameraSceneSettings settings, string path)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var zones = settings.Zones.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => SceneZone.Read(pair.Key, pair.Value, $"{path}:{CameraSceneSettings.ZonesKey}:{pair.Key}"));
        var lines = settings.Lines.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => SceneLine.Read(pair.Key, pair.Value, $"{path}:{CameraSceneSettings.LinesKey}:{pair.Key}"));
        var masks = settings.MotionMasks.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => SceneMask.Read(pair.Key, pair.Value, $"{path}:{CameraSceneSettings.MotionMasksKey}:{pair.Key}"));
        return new CameraScene(cameraId, [.. zones], [.. lines], [.. masks]);
    }

    /// <summary>
    /// This scene as configuration keys (':'-separated) and values under <paramref name="prefix"/>, the way
    /// <see cref="Read"/> reads it back: how the AppHost carries a camera's scene to the groups that watch it.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> ToConfiguration(string prefix)
    {
        foreach (var zone in Zones)
        {
            var zonePath = $"{prefix}:{CameraSceneSettings.ZonesKey}:{zone.Name}";
            for (var index = 0; index < zone.Points.Count; index++)
            {
                yield return new($"{zonePath}:{nameof(ZoneSettings.Points)}:{index}", zone.Points[index].ToString());
            }
            if (zone.MinDwell is { } dwell)
            {
                yield return new($"{zonePath}:{nameof(ZoneSettings.MinDwell)}", dwell.ToString("c", CultureInfo.InvariantCulture));
            }
        }
        foreach (var line in Lines)
        {
            var linePath = $"{prefix}:{CameraSceneSettings.LinesKey}:{line.Name}";
            yield return new($"{linePath}:{nameof(LineSettings.From)}", line.From.ToString());
            yield return new($"{linePath}:{nameof(LineSettings.To)}", line.To.ToString());
            yield return new($"{linePath}:{nameof(LineSettings.In)}", line.In.ToString().ToLowerInvariant());
        }
        foreach (var mask in MotionMasks)
        {
            var maskPath = $"{prefix}:{CameraSceneSettings.MotionMasksKey}:{mask.Name}";
            for (var index = 0; index < mask.Points.Count; index++)
            {
                yield return new($"{maskPath}:{nameof(MaskSettings.Points)}:{index}", mask.Points[index].ToString());
            }
        }
    }

    internal static string CheckName(string name, string path) =>
        name.Length > 0 && name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? name
            : throw new SceneConfigurationException(
                $"Configuration '{path}': the name '{name}' is used in events and metric tags; use up to 64 letters, digits, '-' and '_'.");
}
