using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>A frame turned back into pixels. Owns <see cref="Image"/>: dispose it when done.</summary>
public sealed class DecodedFrame(FrameMetadata metadata, Mat image, int payloadSize) : IDisposable
{
    public FrameMetadata Metadata { get; } = metadata;

    /// <summary>8-bit pixels in OpenCV's BGR order (1, 3 or 4 channels as <see cref="FrameMetadata.Channels"/> says).</summary>
    public Mat Image { get; } = image;

    public int PayloadSize { get; } = payloadSize;

    public void Dispose() => Image.Dispose();
}
