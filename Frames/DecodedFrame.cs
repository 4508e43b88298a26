using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>A frame turned back into pixels. Owns <see cref="Image"/>: dispose it when done.</summary>
public sealed class DecodedFrame(FrameMetadata metadata, Mat image, int payloadSize, int scale = 1) : IDisposable
{
    public FrameMetadata Metadata { get; } = metadata;

    /// <summary>
    /// 8-bit pixels in OpenCV's BGR order (1, 3 or 4 channels as <see cref="FrameMetadata.Channels"/> says), or fewer
    /// when decoded for a reduced <see cref="DecodeTarget"/>.
    /// </summary>
    public Mat Image { get; } = image;

    public int PayloadSize { get; } = payloadSize;

    /// <summary>1 when <see cref="Image"/> has the frame's full size, else the factor it was decoded down by (2, 4 or 8).</summary>
    public int Scale { get; } = scale;

    public void Dispose() => Image.Dispose();
}
