namespace AspirePipeline.Contracts.Scene;

/// <summary>
/// A named area of a camera's picture. A tracked person is in it while the bottom centre of their box (where they
/// stand) is inside the polygon; a stay of <see cref="MinDwell"/> or more is loitering.
/// </summary>
public sealed record SceneZone(string Name, IReadOnlyList<ScenePoint> Points, TimeSpan? MinDwell)
{
    public static SceneZone Read(string name, ZoneSettings settings, string path)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CameraScene.CheckName(name, path);
        var points = ScenePolygon.Read(settings.Points, $"{path}:{nameof(ZoneSettings.Points)}", "a zone");
        if (settings.MinDwell is { } dwell && dwell <= TimeSpan.Zero)
        {
            throw new SceneConfigurationException(
                $"Configuration '{path}:{nameof(ZoneSettings.MinDwell)}' is {dwell}: give a positive time (e.g. 00:00:30), or leave it out.");
        }
        return new SceneZone(name, points, settings.MinDwell);
    }

    /// <summary>Whether <paramref name="point"/> lies inside the zone (even-odd rule; the border counts as either side).</summary>
    public bool Contains(ScenePoint point) => ScenePolygon.Contains(Points, point);
}
