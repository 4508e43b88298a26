namespace AspirePipeline.Contracts.Scene;

/// <summary>The way across a counting line that counts as "in" (the other way is "out"), as seen in the picture.</summary>
public enum CrossingDirection
{
    Up,
    Down,
    Left,
    Right,
}

/// <summary>
/// A named counting line from <see cref="From"/> to <see cref="To"/>. A tracked person crosses it when the bottom
/// centre of their box passes from one side of the segment to the other; heading <see cref="In"/> that is "in".
/// </summary>
public sealed record SceneLine(string Name, ScenePoint From, ScenePoint To, CrossingDirection In)
{
    public const string Inbound = "in";
    public const string Outbound = "out";

    /// <summary>Lines shorter than this (relative to the frame) are taken for a mistake.</summary>
    private const double MinLength = 0.01;

    public static SceneLine Read(string name, LineSettings settings, string path)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CameraScene.CheckName(name, path);
        var from = ScenePoint.Parse(settings.From, $"{path}:{nameof(LineSettings.From)}");
        var to = ScenePoint.Parse(settings.To, $"{path}:{nameof(LineSettings.To)}");
        var (dx, dy) = (to.X - from.X, to.Y - from.Y);
        var length = Math.Sqrt((dx * dx) + (dy * dy));
        if (length < MinLength)
        {
            throw new SceneConfigurationException(
                $"Configuration '{path}' is a line of zero length ({from} to {to}): give two distinct points From and To.");
        }
        var inPath = $"{path}:{nameof(LineSettings.In)}";
        if (!Enum.TryParse<CrossingDirection>(settings.In, ignoreCase: true, out var direction)
            || !Enum.IsDefined(direction) || int.TryParse(settings.In, out _))
        {
            throw new SceneConfigurationException(
                $"Configuration '{inPath}' is '{settings.In}': give the direction across the line that counts as \"in\": up, down, left or right.");
        }
        var (inX, inY) = Vector(direction);
        // The share of "in" that points across the line: near 0 the line runs along it and crossings have no side.
        if (Math.Abs((dx * inY) - (dy * inX)) / length < 0.5)
        {
            throw new SceneConfigurationException(
                $"Configuration '{inPath}' is '{settings.In}', along the line {from} to {to}: \"in\" must point across it " +
                "(within 60 degrees of square to it): for a line across the picture use up or down, for one down it left or right.");
        }
        return new SceneLine(name, from, to, direction);
    }

    /// <summary>The unit vector of <paramref name="direction"/> in picture coordinates (y grows downwards).</summary>
    public static (double X, double Y) Vector(CrossingDirection direction) => direction switch
    {
        CrossingDirection.Up => (0, -1),
        CrossingDirection.Down => (0, 1),
        CrossingDirection.Left => (-1, 0),
        _ => (1, 0),
    };
}
