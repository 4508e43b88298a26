using System.Globalization;

namespace AspirePipeline.Producer.Sources;

/// <summary>Parameters of a <c>synthetic://?width=..&amp;height=..&amp;fps=..</c> source.</summary>
internal sealed record SyntheticSettings(int Width, int Height, int Fps)
{
    public static SyntheticSettings Parse(Uri uri)
    {
        int width = 1280, height = 720, fps = 30;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var value = parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new FormatException($"'{pair}' is not name=positive integer.");
            switch (parts[0])
            {
                case "width":
                    width = value;
                    break;
                case "height":
                    height = value;
                    break;
                case "fps":
                    fps = value;
                    break;
                default:
                    throw new FormatException($"unknown parameter '{parts[0]}' (known: width, height, fps).");
            }
        }
        if (width is < 16 or > 7680 || height is < 16 or > 4320 || fps is < 1 or > 240)
        {
            throw new FormatException($"{width}x{height} at {fps} fps is out of range (16..7680 x 16..4320, 1..240 fps).");
        }
        return new SyntheticSettings(width, height, fps);
    }

    public SyntheticSettings Override(CameraOptions camera) =>
        new(camera.Width ?? Width, camera.Height ?? Height, camera.Fps ?? Fps);
}
