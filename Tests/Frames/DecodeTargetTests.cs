using AspirePipeline.Frames;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Frames;

/// <summary>Decoding JPEG frames only as far as a reader needs: sizes, channels, and what it does to the pixels' mean.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class DecodeTargetTests
{
    private const string Camera = "cam-1";
    private const long Timestamp = 1_764_000_000_123_456;

    [Theory]
    [InlineData(1280, 720, 8, false, 0, 160, 90, 3)]
    [InlineData(1280, 720, 8, true, 320, 320, 180, 1)]
    [InlineData(1920, 1080, 8, true, 320, 480, 270, 1)]
    [InlineData(650, 490, 8, false, 0, 82, 62, 3)]
    [InlineData(640, 480, 2, false, 0, 320, 240, 3)]
    [InlineData(640, 480, 1, true, 0, 640, 480, 1)]
    public void Jpeg_frames_decode_at_the_reduction_the_target_allows(int width, int height, int maxDownscale, bool gray,
        int minWidth, int expectedWidth, int expectedHeight, int expectedChannels)
    {
        var encoded = EncodeJpeg(FrameCodecTests.TestImage(width, height));
        var target = new DecodeTarget(maxDownscale, gray, minWidth);

        using var decoded = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata), target);

        Assert.Equal(new Size(expectedWidth, expectedHeight), decoded.Image.Size());
        Assert.Equal(expectedChannels, decoded.Image.Channels());
        Assert.Equal(width / (double)decoded.Scale, expectedWidth, 0.99);
        Assert.Equal(encoded.Metadata, decoded.Metadata);
    }

    [Theory]
    [InlineData("test pattern")]
    [InlineData("noise")]
    public void The_mean_of_a_one_eighth_decode_is_the_mean_of_the_full_frame(string content)
    {
        using var image = content == "noise" ? Noise(1280, 720) : FrameCodecTests.TestImage(1280, 720);
        var encoded = EncodeJpeg(image);

        using var full = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata), DecodeTarget.Full);
        using var eighth = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata), new DecodeTarget(MaxDownscale: 8));

        Assert.Equal(8, eighth.Scale);
        var fullMean = Cv2.Mean(full.Image);
        var eighthMean = Cv2.Mean(eighth.Image);
        for (var channel = 0; channel < 3; channel++)
        {
            // Each 1/8-scale pixel is an 8x8 block's average before clipping to 0..255; clipping and rounding are all
            // that separate the two means.
            Assert.InRange(Math.Abs(fullMean[channel] - eighthMean[channel]), 0, 1.0);
        }
    }

    [Fact]
    public void The_full_target_decodes_exactly_as_before()
    {
        var encoded = EncodeJpeg(FrameCodecTests.TestImage(320, 240));

        using var implicitFull = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata));
        using var explicitFull = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata), DecodeTarget.Full);

        Assert.Equal(1, explicitFull.Scale);
        Assert.Equal(0, Cv2.Norm(implicitFull.Image, explicitFull.Image, NormTypes.L1));
    }

    [Fact]
    public void Lossless_frames_ignore_the_target()
    {
        using var image = FrameCodecTests.TestImage(160, 90);
        using var encoder = new FrameEncoder(FrameEncoding.RawBgr);
        var encoded = encoder.Encode(image, Camera, 1, Timestamp);

        using var decoded = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata), new DecodeTarget(8, Grayscale: true));

        Assert.Equal(1, decoded.Scale);
        Assert.Equal(0, Cv2.Norm(image, decoded.Image, NormTypes.L1));
    }

    [Fact]
    public void A_truncated_jpeg_is_still_rejected_when_decoding_reduced()
    {
        var encoded = EncodeJpeg(FrameCodecTests.TestImage(640, 480));

        var error = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode(encoded.Payload.AsSpan(0, encoded.Payload.Length / 2), Headers(encoded.Metadata), new DecodeTarget(8)));

        Assert.Equal(FrameFormatError.UndecodableImage, error.Error);
    }

    [Fact]
    public void Headers_that_lie_about_the_size_are_caught_at_reduced_scale_too()
    {
        var encoded = EncodeJpeg(FrameCodecTests.TestImage(640, 480));
        var lying = encoded.Metadata with { Width = 1280, Height = 720 };

        var error = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode(encoded.Payload, Headers(lying), new DecodeTarget(8)));

        Assert.Equal(FrameFormatError.BadHeader, error.Error);
        Assert.Contains("1/8 scale", error.Message, StringComparison.Ordinal);
    }

    private static EncodedFrame EncodeJpeg(Mat image)
    {
        using (image)
        using (var encoder = new FrameEncoder(FrameEncoding.Jpeg))
        {
            return encoder.Encode(image, Camera, 1, Timestamp);
        }
    }

    private static Mat Noise(int width, int height)
    {
        var image = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(image, new Scalar(0, 0, 0), new Scalar(256, 256, 256));
        return image;
    }

    private static Dictionary<string, byte[]> Headers(FrameMetadata metadata)
    {
        var headers = new Dictionary<string, byte[]>();
        metadata.WriteHeaders((key, value) => headers[key] = value);
        return headers;
    }
}
