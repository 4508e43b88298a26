using System.Buffers;
using OpenCvSharp;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// A built-in camera for tests and benchmarks: a flat background, a ball moving on a fixed path and a frame counter,
/// paced at the configured frame rate. No process, no network.
/// </summary>
internal sealed class SyntheticSource : IFrameSource
{
    private static readonly Scalar Background = new(128, 96, 64);
    private static readonly Scalar Ball = new(240, 240, 240);
    private static readonly Scalar Text = new(255, 255, 255);

    private readonly string _cameraId;
    private readonly SyntheticSettings _settings;
    private readonly PeriodicTimer _timer;
    private long _frames;

    public SyntheticSource(string cameraId, SyntheticSettings settings)
    {
        _cameraId = cameraId;
        _settings = settings;
        _timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / settings.Fps));
    }

    public async ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await _timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CameraStreamException("The synthetic source was stopped.");
        }

        var (width, height) = (_settings.Width, _settings.Height);
        var buffer = ArrayPool<byte>.Shared.Rent(width * height * 3);
        var frame = CapturedFrame.FromPooledBgr(buffer, width, height);
        Draw(frame.Image, _frames++);
        return frame;
    }

    private void Draw(Mat image, long number)
    {
        image.SetTo(Background);
        var radius = Math.Max(4, Math.Min(image.Width, image.Height) / 10);
        var phase = number / (double)_settings.Fps;
        var center = new Point(
            (int)(image.Width / 2 + (image.Width / 2 - radius) * Math.Sin(phase * 1.3)),
            (int)(image.Height / 2 + (image.Height / 2 - radius) * Math.Sin(phase * 0.9)));
        Cv2.Circle(image, center, radius, Ball, -1, LineTypes.AntiAlias);
        var scale = Math.Max(0.4, image.Height / 720.0);
        Cv2.PutText(image, $"{_cameraId} frame {number}", new Point(10, (int)(30 * scale)), HersheyFonts.HersheySimplex,
            scale, Text, Math.Max(1, (int)scale), LineTypes.AntiAlias);
    }

    public ValueTask DisposeAsync()
    {
        _timer.Dispose();
        return ValueTask.CompletedTask;
    }
}
