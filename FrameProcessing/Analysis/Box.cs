using AspirePipeline.FrameProcessing.Analysis;

namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>A box in frame pixels with sub-pixel position, for tracking arithmetic.</summary>
internal readonly record struct Box(double X, double Y, double Width, double Height)
{
    public double CenterX => X + (Width / 2);

    public double CenterY => Y + (Height / 2);

    public static Box Of(Detection detection) => new(detection.X, detection.Y, detection.Width, detection.Height);

    public Box MovedBy(double dx, double dy) => this with { X = X + dx, Y = Y + dy };

    public bool Contains(double x, double y) => x >= X && x <= X + Width && y >= Y && y <= Y + Height;

    public double Overlap(Box other)
    {
        var width = Math.Min(X + Width, other.X + other.Width) - Math.Max(X, other.X);
        var height = Math.Min(Y + Height, other.Y + other.Height) - Math.Max(Y, other.Y);
        if (width <= 0 || height <= 0)
        {
            return 0;
        }
        var intersection = width * height;
        return intersection / ((Width * Height) + (other.Width * other.Height) - intersection);
    }

    public Detection ToDetection(double score) =>
        new((int)Math.Round(X), (int)Math.Round(Y), (int)Math.Round(Width), (int)Math.Round(Height), score);
}
