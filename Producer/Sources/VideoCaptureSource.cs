using OpenCvSharp;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// Files and V4L2 devices through OpenCV's VideoCapture. Files are paced at their frame rate and loop, so a clip
/// behaves like a camera.
/// </summary>
internal sealed class VideoCaptureSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly CameraOptions _camera;
    private readonly TimeSpan _stallTimeout;
    private readonly bool _isFile;
    private readonly PeriodicTimer? _pacing;

    private VideoCaptureSource(VideoCapture capture, CameraOptions camera, TimeSpan stallTimeout, bool isFile)
    {
        _capture = capture;
        _camera = camera;
        _stallTimeout = stallTimeout;
        _isFile = isFile;
        var fps = camera.Fps ?? (capture.Fps is > 0 and < 240 ? capture.Fps : 30);
        if (isFile || camera.Fps is not null)
        {
            _pacing = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / fps));
        }
    }

    public static VideoCaptureSource Open(CameraOptions camera, TimeSpan stallTimeout)
    {
        var isDevice = camera.Url.StartsWith("/dev/video", StringComparison.Ordinal);
        var capture = isDevice ? new VideoCapture(camera.Url, VideoCaptureAPIs.V4L2) : new VideoCapture(camera.Url);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new CameraStreamException($"OpenCV could not open {camera.Url}"
                + (isDevice ? " (is the device present and readable?)." : " (missing file or unsupported format?)."));
        }
        if (camera is { Width: { } width, Height: { } height } && isDevice)
        {
            capture.FrameWidth = width;
            capture.FrameHeight = height;
        }
        return new VideoCaptureSource(capture, camera, stallTimeout, !isDevice);
    }

    public async ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken)
    {
        if (_pacing is not null && !await _pacing.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CameraStreamException($"Reading {_camera.Url} was stopped.");
        }

        var image = new Mat();
        try
        {
            // VideoCapture.Read blocks and cannot be cancelled; bound the wait so a hung device counts as a stall.
            var read = await Task.Run(() => Read(image), cancellationToken).WaitAsync(_stallTimeout, cancellationToken)
                .ConfigureAwait(false);
            if (!read)
            {
                throw new CameraStreamException($"{_camera.Url} returned no frame (device unplugged or file unreadable).");
            }
            if (image.Type() != MatType.CV_8UC3)
            {
                var converted = new Mat();
                Cv2.CvtColor(image, converted, image.Channels() == 1 ? ColorConversionCodes.GRAY2BGR : ColorConversionCodes.BGRA2BGR);
                image.Dispose();
                image = converted;
            }
            if (_camera is { Width: { } width, Height: { } height } && (image.Width != width || image.Height != height))
            {
                var resized = new Mat();
                Cv2.Resize(image, resized, new Size(width, height));
                image.Dispose();
                image = resized;
            }
            return CapturedFrame.FromMat(image);
        }
        catch (TimeoutException exception)
        {
            // The blocked Read still owns the image; leaking one Mat beats freeing memory OpenCV is writing into.
            throw new CameraStreamException($"No frame from {_camera.Url} for {_stallTimeout.TotalSeconds:0.#} s.", exception);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private bool Read(Mat image)
    {
        if (_capture.Read(image) && !image.Empty())
        {
            return true;
        }
        if (!_isFile)
        {
            return false;
        }
        // End of a file: start over, like a looping camera.
        _capture.PosFrames = 0;
        return _capture.Read(image) && !image.Empty();
    }

    public ValueTask DisposeAsync()
    {
        _pacing?.Dispose();
        _capture.Dispose();
        return ValueTask.CompletedTask;
    }
}
