using System.Buffers;
using System.Diagnostics;
using AspirePipeline.Frames;
using OpenCvSharp;

namespace AspirePipeline.Producer.Sources;

/// <summary>A frame as read from a camera, not yet encoded. Owns its pixels: dispose it (returns pooled memory).</summary>
internal sealed class CapturedFrame : IDisposable
{
    private byte[]? _pooled;

    private CapturedFrame(Mat image, byte[]? pooled)
    {
        Image = image;
        _pooled = pooled;
        CaptureTimestampMicros = FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow);
        CaptureTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>8-bit BGR pixels.</summary>
    public Mat Image { get; }

    /// <summary>Wall-clock capture time for the <c>frame.capture-time-us</c> header.</summary>
    public long CaptureTimestampMicros { get; }

    /// <summary>Monotonic capture time for latency measurements.</summary>
    public long CaptureTicks { get; }

    /// <summary>Wraps a pooled BGR buffer as a Mat without copying (the Mat pins the array until disposed).</summary>
    public static CapturedFrame FromPooledBgr(byte[] pooled, int width, int height) =>
        new(Mat.FromPixelData(height, width, MatType.CV_8UC3, pooled), pooled);

    public static CapturedFrame FromMat(Mat owned) => new(owned, null);

    public void Dispose()
    {
        Image.Dispose();
        if (Interlocked.Exchange(ref _pooled, null) is { } pooled)
        {
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }
}

/// <summary>A camera stream stalled, ended or could not be opened; the reader reopens it with backoff.</summary>
internal sealed class CameraStreamException : Exception
{
    public CameraStreamException(string message)
        : base(message)
    {
    }

    public CameraStreamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An open camera stream.</summary>
internal interface IFrameSource : IAsyncDisposable
{
    /// <summary>The next frame; throws <see cref="CameraStreamException"/> when the stream stalls or ends.</summary>
    ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken);
}
