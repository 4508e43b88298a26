using AspirePipeline.Contracts.Scene;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// Where a camera's picture moved, per camera: a MOG2 background model (OpenCV's Gaussian-mixture background
/// subtractor, shadows off) on a gray copy <see cref="MotionGateOptions.Width"/> wide, its foreground cleaned of specks
/// and joined up, and each moving area's box grown by <see cref="MotionGateOptions.Padding"/> and to at least the
/// detector's minimum size; overlapping boxes are merged, so no person is cut in two. Nothing that moves inside the
/// camera's motion masks (<see cref="SceneMask"/>: its clock, on-screen text) counts as motion.
/// </summary>
internal sealed class MotionGate(MotionGateOptions options) : IDisposable
{
    private readonly Dictionary<string, CameraModel> _cameras = new(StringComparer.Ordinal);
    private readonly Mat _small = new();
    private readonly Mat _mask = new();
    private readonly Mat _open = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(3, 3));
    private readonly Mat _join = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(7, 7));
    private long _tick;

    /// <summary>
    /// The moving regions of <paramref name="gray"/> (a camera's frame, gray), in its pixels, each at least
    /// <paramref name="minSize"/>; empty when nothing moved outside <paramref name="masks"/>. The first frame of a camera
    /// (or of a new size) is all motion.
    /// </summary>
    public IReadOnlyList<MotionRegion> Regions(string cameraId, Mat gray, Size minSize, int maxCameras, IReadOnlyList<SceneMask> masks)
    {
        var (width, height) = SmallSize(gray.Size(), options.Width);
        var model = ModelFor(cameraId, gray.Size(), new Size(width, height), masks, maxCameras);
        Cv2.Resize(gray, _small, new Size(width, height), interpolation: InterpolationFlags.Area);
        model.Subtractor.Apply(_small, _mask);
        if (model.Frames++ == 0)
        {
            return [new MotionRegion(new Rect(0, 0, gray.Width, gray.Height), 0, gray.Height)];
        }
        if (model.Masked is { } masked)
        {
            _mask.SetTo(Scalar.All(0), masked);
        }

        Cv2.MorphologyEx(_mask, _mask, MorphTypes.Open, _open);
        Cv2.Dilate(_mask, _mask, _join);
        Cv2.FindContours(_mask, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);

        var factor = (double)gray.Width / width;
        var minArea = options.MinArea * width * height;
        var regions = new List<MotionRegion>(contours.Length);
        foreach (var contour in contours)
        {
            var box = Cv2.BoundingRect(contour);
            if (box.Width * box.Height < minArea)
            {
                continue;
            }
            // The mover's own height: the joining dilation grew its box by half the kernel on each side.
            var moverHeight = Math.Max(1, box.Height - (_join.Height - 1)) * factor;
            regions.Add(new MotionRegion(Grow(box, factor, minSize, gray.Size()), moverHeight, moverHeight));
        }
        return Merge(regions);
    }

    /// <summary>
    /// About <paramref name="width"/> wide, shrunk by a whole factor that divides both sides where there is one near:
    /// OpenCV's area resize then averages k x k blocks, several times cheaper than at a fractional ratio (1280x720 to
    /// 192 px took 1.3 ms, to 256x144 a fraction of that).
    /// </summary>
    internal static (int Width, int Height) SmallSize(Size frame, int width)
    {
        if (frame.Width <= width)
        {
            return (frame.Width, frame.Height);
        }
        for (var factor = (int)Math.Round((double)frame.Width / width); factor >= 2 && frame.Width / factor <= 2 * width; factor--)
        {
            if (frame.Width % factor == 0 && frame.Height % factor == 0)
            {
                return (frame.Width / factor, frame.Height / factor);
            }
        }
        return (width, Math.Max(1, (int)Math.Round((double)frame.Height * width / frame.Width)));
    }

    private Rect Grow(Rect small, double factor, Size minSize, Size frame)
    {
        var pad = small.Height * factor * options.Padding;
        var centerX = (small.X + (small.Width / 2.0)) * factor;
        var centerY = (small.Y + (small.Height / 2.0)) * factor;
        var width = Math.Max((small.Width * factor) + (2 * pad), minSize.Width);
        var height = Math.Max((small.Height * factor) + (2 * pad), minSize.Height);
        return Clip(new Rect((int)Math.Floor(centerX - (width / 2)), (int)Math.Floor(centerY - (height / 2)),
            (int)Math.Ceiling(width), (int)Math.Ceiling(height)), frame, minSize);
    }

    /// <summary>Inside the frame, shifted rather than cut where it can be, so it keeps the detector's minimum size.</summary>
    private static Rect Clip(Rect box, Size frame, Size minSize)
    {
        var width = Math.Min(Math.Max(box.Width, minSize.Width), frame.Width);
        var height = Math.Min(Math.Max(box.Height, minSize.Height), frame.Height);
        var x = Math.Clamp(box.X, 0, frame.Width - width);
        var y = Math.Clamp(box.Y, 0, frame.Height - height);
        var right = Math.Min(frame.Width, Math.Max(x + width, box.X + box.Width));
        var bottom = Math.Min(frame.Height, Math.Max(y + height, box.Y + box.Height));
        return new Rect(x, y, right - x, bottom - y);
    }

    /// <summary>Overlapping regions become their bounding box, until none overlap.</summary>
    private static List<MotionRegion> Merge(List<MotionRegion> regions)
    {
        for (var merged = true; merged;)
        {
            merged = false;
            for (var i = 0; i < regions.Count && !merged; i++)
            {
                for (var j = i + 1; j < regions.Count; j++)
                {
                    if (regions[i].Box.IntersectsWith(regions[j].Box))
                    {
                        regions[i] = new MotionRegion(regions[i].Box.Union(regions[j].Box),
                            Math.Min(regions[i].ShortestMover, regions[j].ShortestMover),
                            Math.Max(regions[i].TallestMover, regions[j].TallestMover));
                        regions.RemoveAt(j);
                        merged = true;
                        break;
                    }
                }
            }
        }
        return regions;
    }

    private CameraModel ModelFor(string cameraId, Size size, Size small, IReadOnlyList<SceneMask> masks, int maxCameras)
    {
        if (_cameras.TryGetValue(cameraId, out var model) && model.Size != size)
        {
            model.Dispose();
            _cameras.Remove(cameraId);
            model = null;
        }
        if (model is null)
        {
            if (_cameras.Count >= maxCameras)
            {
                var oldest = _cameras.MinBy(pair => pair.Value.LastSeen);
                oldest.Value.Dispose();
                _cameras.Remove(oldest.Key);
            }
            model = new CameraModel(BackgroundSubtractorMOG2.Create(options.History, options.Threshold, detectShadows: false), size,
                Raster(masks, small));
            _cameras.Add(cameraId, model);
        }
        model.LastSeen = ++_tick;
        return model;
    }

    /// <summary>The masks drawn at the motion copy's size (set where masked), or null without any.</summary>
    private static Mat? Raster(IReadOnlyList<SceneMask> masks, Size small)
    {
        if (masks.Count == 0)
        {
            return null;
        }
        var raster = new Mat(small, MatType.CV_8UC1, Scalar.All(0));
        var polygons = masks.Select(mask => mask.Points.Select(point =>
            new Point((int)Math.Round(point.X * small.Width), (int)Math.Round(point.Y * small.Height))));
        Cv2.FillPoly(raster, polygons, Scalar.All(255));
        return raster;
    }

    public void Dispose()
    {
        foreach (var model in _cameras.Values)
        {
            model.Dispose();
        }
        _cameras.Clear();
        _small.Dispose();
        _mask.Dispose();
        _open.Dispose();
        _join.Dispose();
    }

    private sealed class CameraModel(BackgroundSubtractorMOG2 subtractor, Size size, Mat? masked) : IDisposable
    {
        public BackgroundSubtractorMOG2 Subtractor { get; } = subtractor;

        public Size Size { get; } = size;

        /// <summary>The camera's motion masks at the motion copy's size; null without any.</summary>
        public Mat? Masked { get; } = masked;

        public long Frames { get; set; }

        public long LastSeen { get; set; }

        public void Dispose()
        {
            Subtractor.Dispose();
            Masked?.Dispose();
        }
    }
}

/// <summary>
/// A part of the frame to scan (its pixels) and the heights of the moving areas it was made from, which bound the
/// size of the people in it (0 for unknown).
/// </summary>
internal readonly record struct MotionRegion(Rect Box, double ShortestMover, double TallestMover);
