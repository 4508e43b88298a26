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
        var pointsPath = $"{path}:{nameof(ZoneSettings.Points)}";
        if (settings.Points.Count < 3)
        {
            throw new SceneConfigurationException(
                $"Configuration '{pointsPath}' has {settings.Points.Count} point(s): a zone is a polygon of at least 3 points " +
                "\"x,y\", relative to the frame (0..1).");
        }
        var points = settings.Points.Select((text, index) => ScenePoint.Parse(text, $"{pointsPath}:{index}")).ToArray();
        if (Math.Abs(Area(points)) < 1e-4)
        {
            throw new SceneConfigurationException(
                $"Configuration '{pointsPath}' encloses no area (its points lie on a line or on each other): give the corners of the zone.");
        }
        if (settings.MinDwell is { } dwell && dwell <= TimeSpan.Zero)
        {
            throw new SceneConfigurationException(
                $"Configuration '{path}:{nameof(ZoneSettings.MinDwell)}' is {dwell}: give a positive time (e.g. 00:00:30), or leave it out.");
        }
        return new SceneZone(name, points, settings.MinDwell);
    }

    /// <summary>Whether <paramref name="point"/> lies inside the polygon (even-odd rule; the border counts as either side).</summary>
    public bool Contains(ScenePoint point)
    {
        var inside = false;
        for (int i = 0, j = Points.Count - 1; i < Points.Count; j = i++)
        {
            var (a, b) = (Points[i], Points[j]);
            if ((a.Y > point.Y) != (b.Y > point.Y) && point.X < (b.X - a.X) * (point.Y - a.Y) / (b.Y - a.Y) + a.X)
            {
                inside = !inside;
            }
        }
        return inside;
    }

    private static double Area(IReadOnlyList<ScenePoint> points)
    {
        var sum = 0.0;
        for (int i = 0, j = points.Count - 1; i < points.Count; j = i++)
        {
            sum += (points[j].X * points[i].Y) - (points[i].X * points[j].Y);
        }
        return sum / 2;
    }
}
