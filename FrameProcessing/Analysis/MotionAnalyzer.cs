using AspirePipeline.Frames;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// Motion score by frame differencing per camera: the fraction of pixels whose gray level changed by more than
/// <see cref="MotionAnalyzerOptions.PixelThreshold"/> since the previous frame of the same camera (0 = still, 1 = every
/// pixel changed). The first frame of a camera, or one whose size changed, scores 0.
/// </summary>
public sealed class MotionAnalyzer(IOptions<MotionAnalyzerOptions> options) : IFrameAnalyzer, IDisposable
{
    public const string AnalyzerName = "motion";

    private readonly MotionAnalyzerOptions _options = options.Value;
    private readonly Dictionary<string, CameraState> _cameras = new(StringComparer.Ordinal);
    private readonly Mat _difference = new();
    private readonly Mat _changed = new();
    private long _tick;

    public string Name => AnalyzerName;

    /// <summary>Gray, and no wider than the analysis works at: the decoder does the shrinking for free.</summary>
    public DecodeTarget DecodeTarget => _options.AnalysisWidth > 0
        ? new DecodeTarget(MaxDownscale: 8, Grayscale: true, MinWidth: _options.AnalysisWidth)
        : new DecodeTarget(Grayscale: true);

    public FrameAnalysis Analyze(string cameraId, Mat image)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        ArgumentNullException.ThrowIfNull(image);

        if (!_cameras.TryGetValue(cameraId, out var state))
        {
            ForgetLeastRecentCameraIfFull();
            state = new CameraState();
            _cameras.Add(cameraId, state);
        }
        state.LastSeen = ++_tick;

        PrepareGray(image, state.Current);
        var comparable = !state.Previous.Empty() && state.Previous.Size() == state.Current.Size();
        double meanDifference = 0, changedFraction = 0;
        if (comparable)
        {
            Cv2.Absdiff(state.Current, state.Previous, _difference);
            meanDifference = Cv2.Mean(_difference).Val0;
            Cv2.Threshold(_difference, _changed, _options.PixelThreshold, 255, ThresholdTypes.Binary);
            changedFraction = (double)Cv2.CountNonZero(_changed) / _changed.Total();
        }
        // Swap rather than copy: the current gray frame becomes the reference for the next one.
        (state.Previous, state.Current) = (state.Current, state.Previous);

        return new FrameAnalysis(changedFraction,
        [
            new("changed-fraction", changedFraction),
            new("mean-difference", meanDifference),
        ]);
    }

    private void PrepareGray(Mat image, Mat destination)
    {
        var conversion = image.Channels() switch
        {
            1 => (ColorConversionCodes?)null,
            3 => ColorConversionCodes.BGR2GRAY,
            4 => ColorConversionCodes.BGRA2GRAY,
            var channels => throw new ArgumentException($"Expected 1, 3 or 4 channels, got {channels}.", nameof(image)),
        };
        var shrink = _options.AnalysisWidth > 0 && image.Width > _options.AnalysisWidth;
        using var gray = conversion is null ? null : new Mat();
        var source = image;
        if (conversion is { } code)
        {
            Cv2.CvtColor(image, gray!, code);
            source = gray!;
        }
        if (shrink)
        {
            var height = Math.Max(1, (int)Math.Round((double)image.Height * _options.AnalysisWidth / image.Width));
            Cv2.Resize(source, destination, new Size(_options.AnalysisWidth, height), interpolation: InterpolationFlags.Area);
        }
        else
        {
            source.CopyTo(destination);
        }
    }

    private void ForgetLeastRecentCameraIfFull()
    {
        if (_cameras.Count < _options.MaxCameras)
        {
            return;
        }
        var oldest = _cameras.MinBy(pair => pair.Value.LastSeen);
        oldest.Value.Dispose();
        _cameras.Remove(oldest.Key);
    }

    public void Dispose()
    {
        foreach (var state in _cameras.Values)
        {
            state.Dispose();
        }
        _cameras.Clear();
        _difference.Dispose();
        _changed.Dispose();
    }

    private sealed class CameraState : IDisposable
    {
        public Mat Previous { get; set; } = new();
        public Mat Current { get; set; } = new();
        public long LastSeen { get; set; }

        public void Dispose()
        {
            Previous.Dispose();
            Current.Dispose();
        }
    }
}
