namespace AspirePipeline.Contracts.Scene;

/// <summary>
/// A named part of a camera's picture that moves but holds nobody: a timestamp or other text the camera draws, a
/// flag, a screen. Motion there is not motion (the people detector's gate ignores it), and a detection centred in it
/// is dropped: the way NVRs such as Frigate mask a camera's clock.
/// </summary>
public sealed record SceneMask(string Name, IReadOnlyList<ScenePoint> Points)
{
    public static SceneMask Read(string name, MaskSettings settings, string path)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CameraScene.CheckName(name, path);
        return new SceneMask(name, ScenePolygon.Read(settings.Points, $"{path}:{nameof(MaskSettings.Points)}", "a motion mask"));
    }

    /// <summary>Whether <paramref name="point"/> lies inside the mask.</summary>
    public bool Contains(ScenePoint point) => ScenePolygon.Contains(Points, point);
}
