using System.Buffers;
using AspirePipeline.Frames;
using OpenCvSharp;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// A frame as read from a camera: decoded pixels to encode, or (passthrough) the camera's own JPEG to publish as it is.
/// Owns its pixels: dispose it (returns pooled memory).
/// </summary>
internal sealed class CapturedFrame : IDisposable
{
    private readonly Mat? _image;
    private byte[]? _pooled;

    private CapturedFrame(Mat? image, byte[]? pooled, byte[]? jpeg, CaptureStamp? captured, bool passedThrough = false)
    {
        _image = image;
        _pooled = pooled;
        Jpeg = jpeg;
        PassedThrough = passedThrough;
        var stamp = captured ?? CaptureStamp.Now();
        CaptureTimestampMicros = stamp.UnixMicros;
        CaptureTicks = stamp.Ticks;
        TimedByStream = stamp.TimedByStream;
    }

    /// <summary>8-bit BGR pixels; a passthrough frame has none (see <see cref="Jpeg"/>).</summary>
    public Mat Image => _image ?? throw new InvalidOperationException("This frame carries a JPEG, not pixels.");

    /// <summary>
    /// The frame as JPEG, not yet checked: the camera's own (<see cref="PassedThrough"/>) or ffmpeg's encode; null when
    /// the frame is pixels for the producer to encode.
    /// </summary>
    public byte[]? Jpeg { get; }

    /// <summary>True when <see cref="Jpeg"/> is the camera's own JPEG, published without decoding.</summary>
    public bool PassedThrough { get; }

    /// <summary>The picture size for logs: the image's, or what the JPEG's header says ((0, 0) if unreadable).</summary>
    public (int Width, int Height) Size => _image is not null
        ? (_image.Width, _image.Height)
        : JpegHeader.TryRead(Jpeg, out var info, out _) ? (info.Width, info.Height) : (0, 0);

    /// <summary>Wall-clock capture time for the <c>frame.capture-time-us</c> header.</summary>
    public long CaptureTimestampMicros { get; }

    /// <summary>Monotonic capture time for latency measurements.</summary>
    public long CaptureTicks { get; }

    /// <summary>The capture time comes from the stream's presentation time (not the frame's arrival).</summary>
    public bool TimedByStream { get; }

    /// <summary>Wraps a pooled BGR buffer as a Mat without copying (the Mat pins the array until disposed).</summary>
    /// <param name="pooled">The pixels, rented from the shared pool; returned on dispose.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="captured">When it was captured; null: now (see <see cref="PresentationTimeline"/>).</param>
    public static CapturedFrame FromPooledBgr(byte[] pooled, int width, int height, CaptureStamp? captured = null) =>
        new(Mat.FromPixelData(height, width, MatType.CV_8UC3, pooled), pooled, null, captured);

    public static CapturedFrame FromMat(Mat owned) => new(owned, null, null, null);

    /// <summary>A piece of ffmpeg's JPEG stream, exactly sized (it becomes the Kafka message value).</summary>
    /// <param name="jpeg">The JPEG.</param>
    /// <param name="passedThrough">It is the camera's own JPEG (copied), not one ffmpeg encoded.</param>
    /// <param name="captured">When it was captured; null: now.</param>
    public static CapturedFrame FromJpeg(byte[] jpeg, bool passedThrough, CaptureStamp? captured = null) =>
        new(null, null, jpeg, captured, passedThrough);

    public void Dispose()
    {
        _image?.Dispose();
        if (Interlocked.Exchange(ref _pooled, null) is { } pooled)
        {
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }
}
