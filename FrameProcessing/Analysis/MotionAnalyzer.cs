using AspirePipeline.Frames;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// Motion score by frame differencing per camera: the fraction of pixels whose gray level changed by more than
/// <see cref="MotionAnalyzerOptions.PixelThreshold"/> since the previous frame of the same camera (0 = still, 1 = every
/// pixel changed). The first frame of a camera, or one whose size changed, scores 0. With
/// <see cref="MotionAnalyzerOptions.Objects"/> it also finds the moving objects (MotionAnalyzer.Objects.cs), which the
/// pipeline tracks as <see cref="ObjectKind"/>.
/// </summary>
public sealed partial class MotionAnalyzer(IOptions<MotionAnalyzerOptions> options) : IFrameAnalyzer, IDisposable
{
    public const string AnalyzerName = "motion";

    private readonly MotionAnalyzerOptions _options = options.Value;
    private readonly Dictionary<string, CameraState> _cameras = new(StringComparer.Ordinal);
    private readonly Mat _gray = new();
    private readonly Mat _difference = new();
    private readonly Mat _changed = new();
    private long _tick;

    public string Name => AnalyzerName;

    /// <summary><see cref="ObjectKind"/> with <see cref="MotionAnalyzerOptions.Objects"/>; else null: nothing is tracked.</summary>
    public string? TrackedKind => _options.Objects ? ObjectKind : null;

    /// <summary>Gray, and no wider than the analysis works at: the decoder does the shrinking for free.</summary>
    public DecodeTarget DecodeTarget => GrayWorkingImage.DecodeTarget(_options.AnalysisWidth);

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

        var prepared = GrayWorkingImage.Prepare(image, _options.AnalysisWidth, _gray, state.Current);
        if (!ReferenceEquals(prepared, state.Current))
        {
            // The camera keeps this frame to compare the next one with: it must not stay a view of the caller's image.
            prepared.CopyTo(state.Current);
        }
        var comparable = !state.Previous.Empty() && state.Previous.Size() == state.Current.Size();
        double meanDifference = 0, changedFraction = 0;
        if (comparable)
        {
            Cv2.Absdiff(state.Current, state.Previous, _difference);
            meanDifference = Cv2.Mean(_difference).Val0;
            Cv2.Threshold(_difference, _changed, _options.PixelThreshold, 255, ThresholdTypes.Binary);
            changedFraction = (double)Cv2.CountNonZero(_changed) / _changed.Total();
        }
        var objects = _options.Objects ? FindObjects(state, state.Current, image) : null;
        // Swap rather than copy: the current gray frame becomes the reference for the next one.
        (state.Previous, state.Current) = (state.Current, state.Previous);

        if (objects is null)
        {
            return new FrameAnalysis(changedFraction,
            [
                new("changed-fraction", changedFraction),
                new("mean-difference", meanDifference),
            ]);
        }
        return new FrameAnalysis(changedFraction,
        [
            new("changed-fraction", changedFraction),
            new("mean-difference", meanDifference),
            new("objects", objects.Count),
        ])
        {
            Detections = objects,
        };
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
        _gray.Dispose();
        _difference.Dispose();
        _changed.Dispose();
        DisposeObjectFinding();
    }

    private sealed class CameraState : IDisposable
    {
        public Mat Previous { get; set; } = new();
        public Mat Current { get; set; } = new();
        public long LastSeen { get; set; }

        /// <summary>
        /// With <see cref="MotionAnalyzerOptions.Objects"/>: the camera's background model, for frames of <see cref="BackgroundSize"/>.
        /// </summary>
        public BackgroundSubtractorMOG2? Background { get; set; }
        public Size BackgroundSize { get; set; }

        public void Dispose()
        {
            Previous.Dispose();
            Current.Dispose();
            Background?.Dispose();
        }
    }
}
