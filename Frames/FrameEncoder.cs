using System.Buffers.Text;
using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>
/// Turns captured images into Kafka payloads. One instance per camera: it keeps a scratch image for colour
/// conversion, so it is not thread-safe.
/// </summary>
public sealed class FrameEncoder : IDisposable
{
    public const int DefaultJpegQuality = 80;

    private readonly int[] _jpegParameters;
    private readonly Mat _scratch = new();

    public FrameEncoder(FrameEncoding encoding = FrameEncoding.Jpeg, int jpegQuality = DefaultJpegQuality)
    {
        if (!Enum.IsDefined(encoding))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown frame encoding.");
        }
        if (jpegQuality is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(jpegQuality), jpegQuality, "JPEG quality must be within 1..100.");
        }
        Encoding = encoding;
        JpegQuality = jpegQuality;
        _jpegParameters = [(int)ImwriteFlags.JpegQuality, jpegQuality];
    }

    public FrameEncoding Encoding { get; }

    public int JpegQuality { get; }

    /// <summary>Encodes <paramref name="image"/> (8-bit, 1, 3 or 4 channels, BGR order).</summary>
    public EncodedFrame Encode(Mat image, string cameraId, long sequence, long captureTimestampMicros)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        if (image.Empty() || image.Depth() != MatType.CV_8U || image.Channels() is not (1 or 3 or 4))
        {
            throw new FrameFormatException(FrameFormatError.UnsupportedImage,
                $"Cannot encode an image of type {image.Type()} and size {image.Width}x{image.Height}; "
                + "expected a non-empty 8-bit image with 1, 3 or 4 channels.");
        }
        FrameMetadata.ValidateShape(image.Width, image.Height, image.Channels(), "images");

        return Encoding switch
        {
            FrameEncoding.Jpeg => EncodeJpeg(image, cameraId, sequence, captureTimestampMicros),
            FrameEncoding.RawBgr => EncodeRaw(image, cameraId, sequence, captureTimestampMicros),
            _ => EncodeSeedJson(image, cameraId, sequence, captureTimestampMicros),
        };
    }

    private EncodedFrame EncodeJpeg(Mat image, string cameraId, long sequence, long timestamp)
    {
        Cv2.ImEncode(".jpg", image, out var payload, _jpegParameters);
        // JPEG has no alpha: a 4-channel image is stored (and decodes) as 3 channels.
        var channels = image.Channels() == 1 ? 1 : 3;
        return new EncodedFrame(payload,
            new FrameMetadata(cameraId, sequence, timestamp, image.Width, image.Height, channels, FrameEncoding.Jpeg));
    }

    private static EncodedFrame EncodeRaw(Mat image, string cameraId, long sequence, long timestamp)
    {
        var payload = GC.AllocateUninitializedArray<byte>(checked((int)(image.Total() * image.ElemSize())));
        CopyPixels(image, payload);
        return new EncodedFrame(payload,
            new FrameMetadata(cameraId, sequence, timestamp, image.Width, image.Height, image.Channels(), FrameEncoding.RawBgr));
    }

    private EncodedFrame EncodeSeedJson(Mat image, string cameraId, long sequence, long timestamp)
    {
        var conversion = image.Channels() switch
        {
            1 => ColorConversionCodes.GRAY2RGBA,
            3 => ColorConversionCodes.BGR2RGBA,
            _ => ColorConversionCodes.BGRA2RGBA,
        };
        Cv2.CvtColor(image, _scratch, conversion);
        var pixelBytes = checked((int)(_scratch.Total() * _scratch.ElemSize()));

        // The JSON is written by hand: the pixels dominate, and base64 goes straight into the exact-size payload
        // (no intermediate string, no escaping of '+' that a JSON writer's default encoder would add).
        ReadOnlySpan<byte> prefix = "{\"pix\":\""u8;
        var suffix = System.Text.Encoding.ASCII.GetBytes(
            $"\",\"channels\":4,\"rows\":{_scratch.Rows},\"cols\":{_scratch.Cols}}}");
        var base64Length = Base64.GetMaxEncodedToUtf8Length(pixelBytes);
        var payload = GC.AllocateUninitializedArray<byte>(prefix.Length + base64Length + suffix.Length);
        prefix.CopyTo(payload);
        var status = Base64.EncodeToUtf8(ContinuousPixels(_scratch), payload.AsSpan(prefix.Length, base64Length),
            out _, out var written);
        if (status != System.Buffers.OperationStatus.Done || written != base64Length)
        {
            throw new InvalidOperationException($"Base64 encoding of the frame stopped with {status}.");
        }
        suffix.CopyTo(payload.AsSpan(prefix.Length + base64Length));
        return new EncodedFrame(payload,
            new FrameMetadata(cameraId, sequence, timestamp, image.Width, image.Height, 4, FrameEncoding.SeedJson));
    }

    /// <summary>Copies an image's pixels into <paramref name="destination"/> (ROI views with row gaps are compacted first).</summary>
    public static void CopyPixels(Mat image, Span<byte> destination)
    {
        if (image.IsContinuous())
        {
            ContinuousPixels(image).CopyTo(destination);
            return;
        }
        using var compact = image.Clone();
        ContinuousPixels(compact).CopyTo(destination);
    }

    private static ReadOnlySpan<byte> ContinuousPixels(Mat image) => image.AsSpan<byte>();

    public void Dispose() => _scratch.Dispose();
}
