namespace AspirePipeline.Contracts.Scene;

/// <summary>The polygon arithmetic zones and motion masks share: reading their corners and testing a point.</summary>
public static class ScenePolygon
{
    /// <summary>
    /// The corners configured under <paramref name="pointsPath"/>, checked: three or more, each <c>"x,y"</c> from 0 to 1,
    /// enclosing an area. <paramref name="what"/> names the thing in the error (<c>"a zone"</c>).
    /// </summary>
    public static ScenePoint[] Read(IReadOnlyList<string> points, string pointsPath, string what)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 3)
        {
            throw new SceneConfigurationException(
                $"Configuration '{pointsPath}' has {points.Count} point(s): {what} is a polygon of at least 3 points " +
                "\"x,y\", relative to the frame (0..1).");
        }
        var corners = points.Select((text, index) => ScenePoint.Parse(text, $"{pointsPath}:{index}")).ToArray();
        if (Math.Abs(Area(corners)) < 1e-4)
        {
            throw new SceneConfigurationException(
                $"Configuration '{pointsPath}' encloses no area (its points lie on a line or on each other): give the corners of {what}.");
        }
        return corners;
    }

    /// <summary>Whether <paramref name="point"/> lies inside the polygon (even-odd rule; the border counts as either side).</summary>
    public static bool Contains(IReadOnlyList<ScenePoint> corners, ScenePoint point)
    {
        ArgumentNullException.ThrowIfNull(corners);
        var inside = false;
        for (int i = 0, j = corners.Count - 1; i < corners.Count; j = i++)
        {
            var (a, b) = (corners[i], corners[j]);
            if ((a.Y > point.Y) != (b.Y > point.Y) && point.X < (b.X - a.X) * (point.Y - a.Y) / (b.Y - a.Y) + a.X)
            {
                inside = !inside;
            }
        }
        return inside;
    }

    private static double Area(IReadOnlyList<ScenePoint> corners)
    {
        var sum = 0.0;
        for (int i = 0, j = corners.Count - 1; i < corners.Count; j = i++)
        {
            sum += (corners[j].X * corners[i].Y) - (corners[i].X * corners[j].Y);
        }
        return sum / 2;
    }
}
