using System.Globalization;

namespace AspirePipeline.Contracts.Scene;

/// <summary>
/// A point of a camera's picture in coordinates relative to the frame: x from 0 (left) to 1 (right), y from 0 (top)
/// to 1 (bottom), so zones and lines hold whatever size the analysis stream has. Written as <c>"x,y"</c>.
/// </summary>
public readonly record struct ScenePoint(double X, double Y)
{
    /// <summary>
    /// <paramref name="text"/> as <c>"x,y"</c> (invariant culture, each from 0 to 1); an error names
    /// <paramref name="path"/>, the configuration key it came from.
    /// </summary>
    public static ScenePoint Parse(string? text, string path)
    {
        var parts = text?.Split(',', StringSplitOptions.TrimEntries) ?? [];
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
        {
            throw new SceneConfigurationException(
                $"Configuration '{path}' is '{text}': give a point as \"x,y\", relative to the frame (e.g. \"0.25,0.8\").");
        }
        if (x is < 0 or > 1 || y is < 0 or > 1 || double.IsNaN(x) || double.IsNaN(y))
        {
            throw new SceneConfigurationException(
                $"Configuration '{path}' is '{text}': coordinates are relative to the frame, from 0 to 1 " +
                "(0,0 the top-left corner, 1,1 the bottom-right).");
        }
        return new ScenePoint(x, y);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{X:0.####},{Y:0.####}");
}
