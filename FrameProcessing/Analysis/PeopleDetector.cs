using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Frames;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// People detection with OpenCV's built-in HOG + linear SVM pedestrian model (<see cref="HOGDescriptor.GetDefaultPeopleDetector"/>,
/// no model file), gated by motion: per camera a background model finds what moved (<see cref="MotionGate"/>), and the
/// detector looks only there, at the scales a person of that region's size needs, so small people far away are looked
/// for in an enlarged crop rather than an enlarged frame. A frame where nothing moved is not scanned at all. With
/// <c>Motion:Enabled=false</c> every frame is scanned whole at every scale from <see cref="PeopleDetectorOptions.MaxPersonHeight"/>
/// down to <see cref="PeopleDetectorOptions.MinPersonHeight"/>. Boxes are trimmed from the detector's window to the
/// person in it; the pipeline tracks them (<see cref="TrackedKind"/>). A camera's motion masks (its clock, on-screen
/// text: <see cref="SceneMask"/>) neither open a region nor hold a person: a detection centred in one is dropped.
/// </summary>
public sealed class PeopleDetector : IFrameAnalyzer, IDisposable
{
    public const string AnalyzerName = "people";
    public const string Kind = "person";

    /// <summary>A person's track was confirmed (<see cref="Tracking.SceneEvents.Appeared"/> of <see cref="Kind"/>).</summary>
    public const string PersonAppeared = Kind + "-appeared";

    /// <summary>A person's confirmed track ended.</summary>
    public const string PersonLeft = Kind + "-left";

    // The default people detector's window, and where its training put the person inside it: the window's central 80 %
    // (OpenCV's peopledetect sample trims its boxes the same way).
    private static readonly Size WindowSize = new(64, 128);
    private const double PersonLeftInWindow = 0.22, PersonTop = 0.086, PersonWidthShare = 0.56, PersonShare = 0.8;
    private static readonly double PersonInWindow = WindowSize.Height * PersonShare;
    // A moving area's height only bounds the people in it: legs or a head may be still, two may have merged.
    private const double ShortestInRegion = 0.6, TallestInRegion = 1.25;

    private readonly PeopleDetectorOptions _options;
    private readonly HOGDescriptor _hog = new();
    private readonly MotionGate? _gate;
    private readonly SceneCatalog _scenes;
    private readonly Mat _gray = new();
    private readonly Mat _scaled = new();

    public PeopleDetector(IOptions<PeopleDetectorOptions> options, SceneCatalog? scenes = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _scenes = scenes ?? new SceneCatalog([]);
        _hog.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
        _gate = _options.Motion.Enabled ? new MotionGate(_options.Motion) : null;
    }

    public string Name => AnalyzerName;

    public string? TrackedKind => Kind;

    /// <summary>Gray at the frame's own size: small people need every pixel the camera sent.</summary>
    public DecodeTarget DecodeTarget { get; } = new(Grayscale: true);

    public FrameAnalysis Analyze(string cameraId, Mat image)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        ArgumentNullException.ThrowIfNull(image);

        var gray = GrayWorkingImage.Prepare(image, 0, _gray, _gray);
        var whole = new Rect(0, 0, gray.Width, gray.Height);
        var minRegion = new Size(
            (int)Math.Ceiling(WindowSize.Width * _options.MinPersonHeight / PersonInWindow),
            (int)Math.Ceiling(WindowSize.Height * _options.MinPersonHeight / PersonInWindow));
        var scene = _scenes.For(cameraId);
        IReadOnlyList<MotionRegion> regions = _gate?.Regions(cameraId, gray, minRegion, _options.MaxCameras, scene.MotionMasks)
            ?? [new MotionRegion(whole, 0, gray.Height)];
        var scannedArea = regions.Sum(region => (double)region.Box.Width * region.Box.Height);
        if (regions.Count > 1 && scannedArea > _options.Motion.MaxCoverage * gray.Width * gray.Height)
        {
            // So much moved that one pass over the frame costs less than the pieces.
            regions = [new MotionRegion(whole, regions.Min(region => region.ShortestMover), regions.Max(region => region.TallestMover))];
            scannedArea = whole.Width * whole.Height;
        }

        var windows = new List<Window>();
        foreach (var region in regions)
        {
            Scan(gray, region, windows);
        }
        var people = Group(windows);
        if (scene.MotionMasks.Count > 0)
        {
            people.RemoveAll(person => scene.IsMasked(new ScenePoint(
                Math.Clamp(person.Box.CenterX / gray.Width, 0, 1), Math.Clamp(person.Box.CenterY / gray.Height, 0, 1))));
        }
        var detections = people.Select(person => person.Box.ToDetection(person.Score)).ToList();
        var maxScore = detections.Count > 0 ? detections.Max(detection => detection.Score) : 0;
        return new FrameAnalysis(detections.Count,
        [
            new("people", detections.Count),
            new("max-score", maxScore),
            new("scanned-fraction", scannedArea / (gray.Width * (double)gray.Height)),
        ])
        {
            // Same pixels as the image; kept inside it (a trimmed window near the border may reach past it).
            Detections = [.. detections.Select(detection => detection.ScaledInto(1, image.Width, image.Height))],
            ScannedRegions = _gate is null ? null : [.. regions.Select(region => new Detection(region.Box.X, region.Box.Y,
                region.Box.Width, region.Box.Height, 0))],
        };
    }

    /// <summary>Every window of the region at each scale from its tallest plausible person down to its shortest.</summary>
    private void Scan(Mat gray, MotionRegion region, List<Window> windows)
    {
        var box = region.Box;
        var tallest = Math.Min(Math.Min(_options.MaxPersonHeight, box.Height),
            region.TallestMover > 0 ? region.TallestMover * TallestInRegion : double.MaxValue);
        var shortest = Math.Max(_options.MinPersonHeight, region.ShortestMover * ShortestInRegion);
        if (tallest < _options.MinPersonHeight)
        {
            // Too small a mover for anyone we look for (a clock's digits, a bird): nothing to scan.
            return;
        }
        using var crop = new Mat(gray, box);
        var stride = new Size(_options.WindowStride, _options.WindowStride);
        for (var person = tallest; person >= shortest * 0.999; person /= _options.PyramidScale)
        {
            var scale = PersonInWindow / person;
            var size = new Size((int)Math.Round(box.Width * scale), (int)Math.Round(box.Height * scale));
            if (size.Width < WindowSize.Width || size.Height < WindowSize.Height)
            {
                continue;
            }
            Cv2.Resize(crop, _scaled, size, interpolation: scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
            var found = _hog.Detect(_scaled, out var weights, _options.HitThreshold, stride, new Size(0, 0));
            for (var i = 0; i < found.Length; i++)
            {
                windows.Add(new Window(
                    new Box(
                        box.X + ((found[i].X + (WindowSize.Width * PersonLeftInWindow)) / scale),
                        box.Y + ((found[i].Y + (WindowSize.Height * PersonTop)) / scale),
                        WindowSize.Width * PersonWidthShare / scale,
                        PersonInWindow / scale),
                    i < weights.Length ? weights[i] : 0));
            }
        }
    }

    /// <summary>
    /// Windows on the same person (overlapping by half or more) become one detection: their score-weighted mean box,
    /// the best score, kept with <see cref="PeopleDetectorOptions.MinWindows"/> windows or more.
    /// </summary>
    private List<Window> Group(List<Window> windows)
    {
        windows.Sort((a, b) => b.Score.CompareTo(a.Score));
        var groups = new List<WindowGroup>();
        foreach (var window in windows)
        {
            var group = groups.Find(candidate => candidate.Best.Box.Overlap(window.Box) >= 0.5);
            if (group is null)
            {
                groups.Add(new WindowGroup(window));
            }
            else
            {
                group.Add(window);
            }
        }
        var people = new List<Window>();
        foreach (var group in groups)
        {
            if (group.Count >= _options.MinWindows && group.Best.Score >= _options.MinScore)
            {
                people.Add(group.ToPerson());
            }
        }
        // A person found in two regions, or two groups on one person: the weaker goes.
        people.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<Window>(people.Count);
        foreach (var person in people)
        {
            if (!kept.Any(other => other.Box.Overlap(person.Box) >= 0.5))
            {
                kept.Add(person);
            }
        }
        return kept;
    }

    public void Dispose()
    {
        _hog.Dispose();
        _gate?.Dispose();
        _gray.Dispose();
        _scaled.Dispose();
    }

    /// <summary>One window the detector fired on: the person's box in it (frame pixels) and the SVM score.</summary>
    private readonly record struct Window(Box Box, double Score);

    private sealed class WindowGroup
    {
        private double _weight, _x, _y, _width, _height;

        public WindowGroup(Window best)
        {
            Best = best;
            Add(best);
        }

        public Window Best { get; }

        public int Count { get; private set; }

        public void Add(Window window)
        {
            // Weights from 0 up: a window just over the threshold still counts a little.
            var weight = Math.Max(window.Score, 0) + 0.01;
            _weight += weight;
            _x += window.Box.X * weight;
            _y += window.Box.Y * weight;
            _width += window.Box.Width * weight;
            _height += window.Box.Height * weight;
            Count++;
        }

        /// <summary>The group's person: its windows' score-weighted mean box, with the best score.</summary>
        public Window ToPerson() => new(new Box(_x / _weight, _y / _weight, _width / _weight, _height / _weight), Best.Score);
    }
}
