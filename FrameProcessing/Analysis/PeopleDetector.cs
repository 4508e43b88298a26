using AspirePipeline.Frames;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// People detection with OpenCV's built-in HOG + linear SVM pedestrian model (<see cref="HOGDescriptor.GetDefaultPeopleDetector"/>,
/// no model file), on a gray copy shrunk to <see cref="PeopleDetectorOptions.WorkingWidth"/>. The headline value is the
/// number of people; <see cref="FrameAnalysis.Detections"/> holds their boxes and scores. Per camera it tracks presence
/// with hysteresis and reports <see cref="PersonAppeared"/> / <see cref="PersonLeft"/> as events.
/// </summary>
public sealed class PeopleDetector : IFrameAnalyzer, IDisposable
{
    public const string AnalyzerName = "people";
    public const string PersonAppeared = "person-appeared";
    public const string PersonLeft = "person-left";

    private static readonly string[] Appeared = [PersonAppeared];
    private static readonly string[] Left = [PersonLeft];

    private readonly PeopleDetectorOptions _options;
    private readonly HOGDescriptor _hog = new();
    private readonly Mat _gray = new();
    private readonly Mat _working = new();
    private readonly Dictionary<string, CameraPresence> _cameras = new(StringComparer.Ordinal);
    private long _tick;

    public PeopleDetector(IOptions<PeopleDetectorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _hog.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
    }

    public string Name => AnalyzerName;

    /// <summary>Gray and no wider than the detector works at: the JPEG decoder does that shrinking almost for free.</summary>
    public DecodeTarget DecodeTarget => GrayWorkingImage.DecodeTarget(_options.WorkingWidth);

    public FrameAnalysis Analyze(string cameraId, Mat image)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        ArgumentNullException.ThrowIfNull(image);

        var working = GrayWorkingImage.Prepare(image, _options.WorkingWidth, _gray, _working);
        var boxes = _hog.DetectMultiScale(working, out var scores, _options.HitThreshold,
            new Size(_options.WindowStride, _options.WindowStride), scale: _options.PyramidScale);

        // Boxes go back to the coordinates of the image we were given; the pipeline maps those to the frame's size.
        var factor = (double)image.Width / working.Width;
        var detections = new List<Detection>(boxes.Length);
        var maxScore = 0.0;
        for (var i = 0; i < boxes.Length; i++)
        {
            var score = i < scores.Length ? scores[i] : 0;
            if (score < _options.MinScore)
            {
                continue;
            }
            var box = boxes[i];
            detections.Add(new Detection(box.X, box.Y, box.Width, box.Height, score).ScaledInto(factor, image.Width, image.Height));
            maxScore = Math.Max(maxScore, score);
        }

        var change = PresenceOf(cameraId).Observe(detections.Count > 0);
        return new FrameAnalysis(detections.Count,
        [
            new("people", detections.Count),
            new("max-score", maxScore),
        ])
        {
            Detections = detections,
            Events = change switch
            {
                > 0 => Appeared,
                < 0 => Left,
                _ => [],
            },
        };
    }

    /// <summary>
    /// Gray (HOG takes the strongest gradient over colour channels; gray costs a third and finds the same people), at the
    /// working width.
    /// </summary>
    private PresenceTracker PresenceOf(string cameraId)
    {
        if (!_cameras.TryGetValue(cameraId, out var camera))
        {
            if (_cameras.Count >= _options.MaxCameras)
            {
                _cameras.Remove(_cameras.MinBy(pair => pair.Value.LastSeen).Key);
            }
            camera = new CameraPresence(new PresenceTracker(_options.AppearAfterFrames, _options.LeaveAfterFrames));
            _cameras.Add(cameraId, camera);
        }
        camera.LastSeen = ++_tick;
        return camera.Tracker;
    }

    public void Dispose()
    {
        _hog.Dispose();
        _gray.Dispose();
        _working.Dispose();
    }

    private sealed class CameraPresence(PresenceTracker tracker)
    {
        public PresenceTracker Tracker { get; } = tracker;

        public long LastSeen { get; set; }
    }
}
