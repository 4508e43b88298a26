using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// The moving objects of <see cref="MotionAnalyzerOptions.Objects"/>: per camera a background model (OpenCV's MOG2,
/// shadows off) on the same gray working image the motion score uses; its foreground is cleaned of specks (an opening),
/// parts less than <see cref="MotionAnalyzerOptions.ObjectJoin"/> apart are joined (a closing, which keeps the blob's
/// outline where it was), and each connected blob of at least <see cref="MotionAnalyzerOptions.ObjectMinArea"/> is one
/// object, its box in the coordinates of the image given to <see cref="Analyze"/>.
/// </summary>
/// <remarks>
/// Why a background model and not the frame difference the score is made of: the difference of two frames marks where
/// an object is now and where it was (for a plain object only its leading and trailing edges, the middle matching
/// itself), so its boxes would span both places and lag the object; the AND of the last two differences keeps roughly
/// the leading edge, a crescent whose box is narrower than the object and off its centre. Zones and lines take the
/// bottom centre of the box, so the box must be the object where it is in this frame: what differs from the background.
/// The price: a model per camera (a few floats a pixel of the working image); a learning time at the start: the first
/// frame of a camera (or of a new size) gives no objects, and while the model learns fast (1/(2n) in its n-th frame,
/// until that reaches 1/<see cref="MotionAnalyzerOptions.ObjectHistory"/>) an object that stays on a pixel for m frames
/// is partly taken for background there until about frame 5m: 10 frames for a fast object, longer for a slow
/// one; and an object that stops fades into the background after about <see cref="MotionAnalyzerOptions.ObjectHistory"/>
/// frames.
/// </remarks>
public sealed partial class MotionAnalyzer
{
    /// <summary>What <see cref="MotionAnalyzerOptions.Objects"/> detections are: events <c>object-appeared</c>, <c>object-left</c>.</summary>
    public const string ObjectKind = "object";

    // Motion has no confidence to give: every blob that is big enough is an object.
    private const double ObjectScore = 1.0;

    private readonly Mat _foreground = new();
    private readonly Mat _labels = new();
    private readonly Mat _stats = new();
    private readonly Mat _centroids = new();
    private readonly Mat _speckKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(3, 3));
    private Mat? _joinKernel;
    private int _joinKernelSize;

    /// <summary>
    /// The moving blobs of <paramref name="working"/> (the camera's gray working frame) as boxes in the pixels of
    /// <paramref name="image"/>, the picture it was made from.
    /// </summary>
    private List<Detection> FindObjects(CameraState state, Mat working, Mat image)
    {
        if (state.Background is null || state.BackgroundSize != working.Size())
        {
            state.Background?.Dispose();
            state.Background = BackgroundSubtractorMOG2.Create(_options.ObjectHistory, _options.ObjectThreshold, detectShadows: false);
            state.BackgroundSize = working.Size();
            // The model's first frame is all new to it: learnt, nothing told apart from it yet.
            state.Background.Apply(working, _foreground);
            return [];
        }
        state.Background.Apply(working, _foreground);
        Cv2.MorphologyEx(_foreground, _foreground, MorphTypes.Open, _speckKernel);
        if (JoinKernel(working.Width) is { } join)
        {
            Cv2.MorphologyEx(_foreground, _foreground, MorphTypes.Close, join);
        }

        var blobs = Cv2.ConnectedComponentsWithStats(_foreground, _labels, _stats, _centroids, PixelConnectivity.Connectivity8);
        var minArea = _options.ObjectMinArea * working.Width * working.Height;
        var toImage = (double)image.Width / working.Width;
        var objects = new List<Detection>();
        // Label 0 is the background.
        for (var label = 1; label < blobs; label++)
        {
            if (_stats.At<int>(label, (int)ConnectedComponentsTypes.Area) < minArea)
            {
                continue;
            }
            var box = new Detection(
                _stats.At<int>(label, (int)ConnectedComponentsTypes.Left),
                _stats.At<int>(label, (int)ConnectedComponentsTypes.Top),
                _stats.At<int>(label, (int)ConnectedComponentsTypes.Width),
                _stats.At<int>(label, (int)ConnectedComponentsTypes.Height),
                ObjectScore);
            objects.Add(box.ScaledInto(toImage, image.Width, image.Height));
        }
        return objects;
    }

    /// <summary>The closing's element for a working image <paramref name="width"/> wide; null when nothing is joined.</summary>
    private Mat? JoinKernel(int width)
    {
        var size = (int)Math.Round(_options.ObjectJoin * width);
        if (size < 2)
        {
            return null;
        }
        if (_joinKernel is null || _joinKernelSize != size)
        {
            _joinKernel?.Dispose();
            _joinKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(size, size));
            _joinKernelSize = size;
        }
        return _joinKernel;
    }

    private void DisposeObjectFinding()
    {
        _foreground.Dispose();
        _labels.Dispose();
        _stats.Dispose();
        _centroids.Dispose();
        _speckKernel.Dispose();
        _joinKernel?.Dispose();
    }
}
