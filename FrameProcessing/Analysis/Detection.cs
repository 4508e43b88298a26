namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>One object found in a frame: its bounding box in pixels and the detector's confidence.</summary>
public readonly record struct Detection(int X, int Y, int Width, int Height, double Score)
{
    /// <summary>
    /// The box in an image <paramref name="factor"/> times as large, kept inside <paramref name="width"/> x
    /// <paramref name="height"/> (detectors pad the image, so a box may reach past the border).
    /// </summary>
    public Detection ScaledInto(double factor, int width, int height)
    {
        var left = Math.Clamp((int)Math.Round(X * factor), 0, width);
        var top = Math.Clamp((int)Math.Round(Y * factor), 0, height);
        var right = Math.Clamp((int)Math.Round((X + Width) * factor), 0, width);
        var bottom = Math.Clamp((int)Math.Round((Y + Height) * factor), 0, height);
        return new Detection(left, top, right - left, bottom - top, Score);
    }
}
