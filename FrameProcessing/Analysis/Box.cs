namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// A box in frame pixels with sub-pixel position: the one home of box arithmetic (overlap as intersection over union),
/// for the detector's grouping, the tracker and the scoring against labels alike.
/// </summary>
public readonly record struct Box(double X, double Y, double Width, double Height)
{
    public double CenterX => X + (Width / 2);

    public double CenterY => Y + (Height / 2);

    public double Area => Width * Height;

    public static Box Of(Detection detection) => new(detection.X, detection.Y, detection.Width, detection.Height);

    public Box MovedBy(double dx, double dy) => this with { X = X + dx, Y = Y + dy };

    public bool Contains(double x, double y) => x >= X && x <= X + Width && y >= Y && y <= Y + Height;

    /// <summary>The area both boxes cover; 0 when they only touch or are apart.</summary>
    public double Intersection(Box other)
    {
        var width = Math.Min(X + Width, other.X + other.Width) - Math.Max(X, other.X);
        var height = Math.Min(Y + Height, other.Y + other.Height) - Math.Max(Y, other.Y);
        return width <= 0 || height <= 0 ? 0 : width * height;
    }

    /// <summary>Intersection over union, from 0 (apart) to 1 (the same box).</summary>
    public double Overlap(Box other)
    {
        var intersection = Intersection(other);
        return intersection <= 0 ? 0 : intersection / (Area + other.Area - intersection);
    }

    public Detection ToDetection(double score) =>
        new((int)Math.Round(X), (int)Math.Round(Y), (int)Math.Round(Width), (int)Math.Round(Height), score);
}
