using System.Text.Json;
using System.Text.Json.Serialization;
using AspirePipeline.FrameProcessing.Analysis;

namespace AspirePipeline.TestSupport.People;

/// <summary>
/// The hand-made labels of vtest.avi (<c>Tests/PeopleDetection/GroundTruth/</c>, how they were made: its README): per
/// labelled frame, a box round every person at least 64 px tall and half visible, and "ignore" boxes round everyone
/// else, where a detection is neither right nor wrong.
/// </summary>
public sealed record PeopleGroundTruth(string Video, int Width, int Height, IReadOnlyList<LabelledFrame> Frames)
{
    /// <summary>The labels' file under the repository root.</summary>
    public const string RelativePath = "Tests/PeopleDetection/GroundTruth/vtest-people.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static PeopleGroundTruth Load(string repoRoot)
    {
        var path = Path.Combine(repoRoot, RelativePath);
        return JsonSerializer.Deserialize<PeopleGroundTruth>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} holds no labels.");
    }
}

/// <summary>One labelled frame: its index in decode order (0-based) and its boxes.</summary>
public sealed record LabelledFrame(int Index, IReadOnlyList<LabelBox> People, IReadOnlyList<LabelBox> Ignore);

/// <summary>A box in the frame's pixels.</summary>
public readonly record struct LabelBox(int X, int Y, int Width, int Height)
{
    [JsonIgnore]
    public double Area => (double)Width * Height;

    /// <summary>Intersection over union, as the detector and the tracker measure it (<see cref="Box.Overlap"/>).</summary>
    public double Overlap(LabelBox other) => ToBox().Overlap(other.ToBox());

    /// <summary>How much of this box lies inside <paramref name="other"/> (0..1).</summary>
    public double InsideOf(LabelBox other) => Area <= 0 ? 0 : ToBox().Intersection(other.ToBox()) / Area;

    private Box ToBox() => new(X, Y, Width, Height);
}

/// <summary>
/// Detections scored against labels at an overlap (intersection over union) threshold: each label is matched by at
/// most one detection, best overlaps first; a detection on no label but mostly inside an ignore box is left out.
/// </summary>
public readonly record struct DetectionScore(int TruePositives, int FalsePositives, int FalseNegatives)
{
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

    public static DetectionScore operator +(DetectionScore a, DetectionScore b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.FalseNegatives + b.FalseNegatives);

    public static DetectionScore Of(IReadOnlyList<LabelBox> detections, LabelledFrame frame, double minOverlap = 0.5)
    {
        var pairs = new List<(double Overlap, int Detection, int Label)>();
        for (var d = 0; d < detections.Count; d++)
        {
            for (var l = 0; l < frame.People.Count; l++)
            {
                var overlap = detections[d].Overlap(frame.People[l]);
                if (overlap >= minOverlap)
                {
                    pairs.Add((overlap, d, l));
                }
            }
        }
        pairs.Sort((a, b) => b.Overlap.CompareTo(a.Overlap));
        var detectionMatched = new bool[detections.Count];
        var labelMatched = new bool[frame.People.Count];
        var truePositives = 0;
        foreach (var (_, d, l) in pairs)
        {
            if (!detectionMatched[d] && !labelMatched[l])
            {
                detectionMatched[d] = labelMatched[l] = true;
                truePositives++;
            }
        }
        var falsePositives = 0;
        for (var d = 0; d < detections.Count; d++)
        {
            var detection = detections[d];
            if (!detectionMatched[d]
                && !frame.Ignore.Any(ignore => detection.InsideOf(ignore) >= 0.5 || detection.Overlap(ignore) >= minOverlap))
            {
                falsePositives++;
            }
        }
        return new DetectionScore(truePositives, falsePositives, frame.People.Count - truePositives);
    }
}
