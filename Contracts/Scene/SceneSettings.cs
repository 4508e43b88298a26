namespace AspirePipeline.Contracts.Scene;

/// <summary>
/// The zones, lines and motion masks of one camera as configured: <c>Cameras:{id}:Zones</c>, <c>...:Lines</c> and
/// <c>...:MotionMasks</c> in the AppHost, carried to each group watching the camera under <c>Scene:Cameras:{id}</c>. Bound
/// by the configuration binder; <see cref="CameraScene.Read"/> checks it.
/// </summary>
public sealed class CameraSceneSettings
{
    /// <summary>The section, under a camera's entry, of its zones by name.</summary>
    public const string ZonesKey = "Zones";

    /// <summary>The section, under a camera's entry, of its counting lines by name.</summary>
    public const string LinesKey = "Lines";

    /// <summary>The section, under a camera's entry, of its motion masks by name.</summary>
    public const string MotionMasksKey = "MotionMasks";

    public Dictionary<string, ZoneSettings> Zones { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, LineSettings> Lines { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, MaskSettings> MotionMasks { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A zone: a polygon of at least three <see cref="ScenePoint"/>s, and the dwell that makes a stay loitering.</summary>
public sealed class ZoneSettings
{
    /// <summary>The polygon's corners in order, each <c>"x,y"</c> relative to the frame.</summary>
    public List<string> Points { get; set; } = [];

    /// <summary>A stay this long raises <c>zone-loitering</c> once; none when unset.</summary>
    public TimeSpan? MinDwell { get; set; }
}

/// <summary>A motion mask: a polygon of at least three <see cref="ScenePoint"/>s where motion is ignored (a timestamp).</summary>
public sealed class MaskSettings
{
    /// <summary>The polygon's corners in order, each <c>"x,y"</c> relative to the frame.</summary>
    public List<string> Points { get; set; } = [];
}

/// <summary>A counting line: two <see cref="ScenePoint"/>s, and the direction in the picture that counts as "in".</summary>
public sealed class LineSettings
{
    public string? From { get; set; }

    public string? To { get; set; }

    /// <summary><c>up</c>, <c>down</c>, <c>left</c> or <c>right</c>: a crossing that way is "in", the other way "out".</summary>
    public string? In { get; set; }
}
