using System.Text;
using AspirePipeline.Frames;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Frames;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class FrameCodecTests
{
    private const string Camera = "cam-1";
    private const long Timestamp = 1_764_000_000_123_456;

    [Theory]
    [InlineData(FrameEncoding.RawBgr)]
    [InlineData(FrameEncoding.SeedJson)]
    public void Lossless_encodings_round_trip_pixel_exact(FrameEncoding encoding)
    {
        using var image = TestImage(160, 90);
        using var encoder = new FrameEncoder(encoding);

        var encoded = encoder.Encode(image, Camera, 42, Timestamp);
        using var decoded = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata));

        Assert.Equal(encoded.Metadata, decoded.Metadata);
        Assert.Equal(new Size(160, 90), decoded.Image.Size());
        Assert.Equal(3, decoded.Image.Channels());
        Assert.Equal(0, Cv2.Norm(image, decoded.Image, NormTypes.L1));
    }

    [Fact]
    public void Jpeg_round_trips_with_headers_and_close_pixels()
    {
        using var image = TestImage(320, 240);
        using var encoder = new FrameEncoder(FrameEncoding.Jpeg, jpegQuality: 90);

        var encoded = encoder.Encode(image, Camera, 7, Timestamp);
        using var decoded = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata));

        Assert.Equal(new FrameMetadata(Camera, 7, Timestamp, 320, 240, 3, FrameEncoding.Jpeg), decoded.Metadata);
        Assert.Equal(new Size(320, 240), decoded.Image.Size());
        var expected = Cv2.Mean(image);
        var actual = Cv2.Mean(decoded.Image);
        for (var channel = 0; channel < 3; channel++)
        {
            Assert.InRange(Math.Abs(expected[channel] - actual[channel]), 0, 2.0);
        }
    }

    [Fact]
    public void Lower_jpeg_quality_gives_smaller_payloads()
    {
        using var image = TestImage(320, 240);
        using var high = new FrameEncoder(FrameEncoding.Jpeg, 95);
        using var low = new FrameEncoder(FrameEncoding.Jpeg, 20);

        Assert.True(low.Encode(image, Camera, 0, Timestamp).Payload.Length < high.Encode(image, Camera, 0, Timestamp).Payload.Length);
    }

    [Fact]
    public void Headers_are_ascii_and_parse_back()
    {
        var metadata = new FrameMetadata("front door", 123456789012, Timestamp, 1280, 720, 3, FrameEncoding.Jpeg);
        var headers = Headers(metadata);

        Assert.Equal(FrameHeaders.All.Order(), headers.Keys.Order());
        Assert.Equal("123456789012", Encoding.ASCII.GetString(headers[FrameHeaders.Sequence]));
        Assert.Equal("jpeg", Encoding.ASCII.GetString(headers[FrameHeaders.Encoding]));
        Assert.Equal(metadata, FrameMetadata.ReadHeaders(key => headers.GetValueOrDefault(key)));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(Timestamp / 1000).AddTicks(4560), metadata.CaptureTime);
    }

    [Fact]
    public void Raw_frame_from_a_roi_view_is_compacted()
    {
        using var image = TestImage(200, 100);
        using var roi = new Mat(image, new Rect(10, 10, 50, 40));
        using var encoder = new FrameEncoder(FrameEncoding.RawBgr);

        var encoded = encoder.Encode(roi, Camera, 0, Timestamp);
        using var decoded = FrameDecoder.Decode(encoded.Payload, Headers(encoded.Metadata));

        Assert.Equal(50 * 40 * 3, encoded.Payload.Length);
        Assert.Equal(0, Cv2.Norm(roi, decoded.Image, NormTypes.L1));
    }

    [Fact]
    public void Seed_json_without_headers_decodes_from_the_json_alone()
    {
        using var image = TestImage(64, 48);
        using var encoder = new FrameEncoder(FrameEncoding.SeedJson);
        var payload = encoder.Encode(image, Camera, 1, Timestamp).Payload;

        using var decoded = FrameDecoder.Decode(payload, new Dictionary<string, byte[]>());

        Assert.Equal(new FrameMetadata(null, null, null, 64, 48, 4, FrameEncoding.SeedJson), decoded.Metadata);
        Assert.Equal(0, Cv2.Norm(image, decoded.Image, NormTypes.L1));
    }

    [Fact]
    public void Seed_json_as_the_original_clients_write_it_decodes()
    {
        // A 2x1 RGBA image (red, blue) as Python's json.dumps would send it, with an escaped '/' and extra fields.
        var pix = Convert.ToBase64String([255, 0, 0, 255, 0, 0, 255, 255]);
        var json = $$"""{ "rows": 1, "cols": 2, "channels": 4, "camera": "x", "pix": "{{pix.Replace("/", "\\/")}}" }""";

        using var decoded = FrameDecoder.Decode(Encoding.UTF8.GetBytes(json), new Dictionary<string, byte[]>());

        Assert.Equal(new Vec3b(0, 0, 255), decoded.Image.At<Vec3b>(0, 0));
        Assert.Equal(new Vec3b(255, 0, 0), decoded.Image.At<Vec3b>(0, 1));
    }

    [Theory]
    [InlineData(FrameHeaders.Width, "12x", FrameFormatError.BadHeader, "not a decimal integer")]
    [InlineData(FrameHeaders.Width, "", FrameFormatError.BadHeader, "not a decimal integer")]
    [InlineData(FrameHeaders.Width, "99999", FrameFormatError.AbsurdDimensions, "99999x90")]
    [InlineData(FrameHeaders.Height, "0", FrameFormatError.AbsurdDimensions, "160x0")]
    [InlineData(FrameHeaders.Height, "-5", FrameFormatError.AbsurdDimensions, "160x-5")]
    [InlineData(FrameHeaders.Channels, "2", FrameFormatError.BadHeader, "2 channels")]
    [InlineData(FrameHeaders.Sequence, "-1", FrameFormatError.BadHeader, "negative")]
    [InlineData(FrameHeaders.CameraId, "", FrameFormatError.BadHeader, "empty")]
    [InlineData(FrameHeaders.Encoding, "png", FrameFormatError.UnknownEncoding, "'png'")]
    public void Bad_header_values_are_rejected_with_the_header_named(string header, string value, FrameFormatError error, string detail)
    {
        var (payload, headers) = ValidRawFrame();
        headers[header] = Encoding.UTF8.GetBytes(value);

        var exception = Assert.Throws<FrameFormatException>(() => FrameDecoder.Decode(payload, headers));

        Assert.Equal(error, exception.Error);
        Assert.Contains(detail, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FrameHeaders.CameraId)]
    [InlineData(FrameHeaders.Sequence)]
    [InlineData(FrameHeaders.CaptureTimestamp)]
    [InlineData(FrameHeaders.Width)]
    [InlineData(FrameHeaders.Height)]
    [InlineData(FrameHeaders.Channels)]
    [InlineData(FrameHeaders.Encoding)]
    public void A_missing_header_is_named(string header)
    {
        var (payload, headers) = ValidRawFrame();
        headers.Remove(header);

        var exception = Assert.Throws<FrameFormatException>(() => FrameDecoder.Decode(payload, headers));

        Assert.Equal(FrameFormatError.MissingHeader, exception.Error);
        Assert.Contains($"'{header}'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_payload_of_the_wrong_size_is_a_size_mismatch()
    {
        var (payload, headers) = ValidRawFrame();

        var exception = Assert.Throws<FrameFormatException>(() => FrameDecoder.Decode(payload.AsSpan(1), headers));

        Assert.Equal(FrameFormatError.PayloadSizeMismatch, exception.Error);
        Assert.Equal("payload-size-mismatch", exception.Reason);
    }

    [Fact]
    public void Truncated_jpeg_is_rejected()
    {
        using var image = TestImage(160, 90);
        using var encoder = new FrameEncoder();
        var encoded = encoder.Encode(image, Camera, 0, Timestamp);

        var exception = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode(encoded.Payload.AsSpan(0, encoded.Payload.Length / 2), Headers(encoded.Metadata)));

        Assert.Equal(FrameFormatError.UndecodableImage, exception.Error);
        Assert.Contains("truncated", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_claiming_to_be_jpeg_is_rejected()
    {
        var metadata = new FrameMetadata(Camera, 0, Timestamp, 160, 90, 3, FrameEncoding.Jpeg);
        byte[] garbage = [0xFF, 0xD8, 0xFF, 0x00, 0x13, 0x37, 0x42, 0x42, 0xFF, 0xD9];

        var exception = Assert.Throws<FrameFormatException>(() => FrameDecoder.Decode(garbage, Headers(metadata)));

        Assert.Equal(FrameFormatError.UndecodableImage, exception.Error);
    }

    [Fact]
    public void Jpeg_whose_size_disagrees_with_the_headers_is_rejected()
    {
        using var image = TestImage(160, 90);
        using var encoder = new FrameEncoder();
        var encoded = encoder.Encode(image, Camera, 0, Timestamp);
        var lying = encoded.Metadata with { Width = 320 };

        var exception = Assert.Throws<FrameFormatException>(() => FrameDecoder.Decode(encoded.Payload, Headers(lying)));

        Assert.Equal(FrameFormatError.BadHeader, exception.Error);
        Assert.Contains("160x90", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"pix": "AAAA", "rows": 1, "cols": 1""", "malformed")]
    [InlineData("""{"rows": 1, "cols": 1, "channels": 3}""", "'pix' is missing")]
    [InlineData("""{"pix": "AAAA", "cols": 1, "channels": 3}""", "'rows' is missing")]
    [InlineData("""{"pix": "AAAA", "rows": "1", "cols": 1, "channels": 3}""", "'rows' is not an integer")]
    [InlineData("""{"pix": 5, "rows": 1, "cols": 1, "channels": 3}""", "'pix' is not a string")]
    [InlineData("""{"pix": "!!!!", "rows": 1, "cols": 1, "channels": 3}""", "not valid base64")]
    [InlineData("""{"pix": "AAAA", "rows": 1, "cols": 1, "channels": 3, }""", "malformed")]
    public void Malformed_seed_json_is_rejected(string json, string detail)
    {
        var exception = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode(Encoding.UTF8.GetBytes(json), new Dictionary<string, byte[]>()));

        Assert.Contains(detail, exception.Message, StringComparison.Ordinal);
        Assert.Equal(FrameFormatError.MalformedSeedJson, exception.Error);
    }

    [Fact]
    public void Seed_json_with_too_few_pixels_is_a_size_mismatch()
    {
        var json = """{"pix": "AAAA", "rows": 2, "cols": 2, "channels": 4}""";

        var exception = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode(Encoding.UTF8.GetBytes(json), new Dictionary<string, byte[]>()));

        Assert.Equal(FrameFormatError.PayloadSizeMismatch, exception.Error);
    }

    [Fact]
    public void Seed_json_claiming_absurd_dimensions_is_rejected_before_allocating()
    {
        var json = """{"pix": "AAAA", "rows": 100000, "cols": 100000, "channels": 4}""";

        var exception = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode(Encoding.UTF8.GetBytes(json), new Dictionary<string, byte[]>()));

        Assert.Equal(FrameFormatError.AbsurdDimensions, exception.Error);
    }

    [Fact]
    public void Headerless_non_json_payload_is_a_missing_header()
    {
        var exception = Assert.Throws<FrameFormatException>(() =>
            FrameDecoder.Decode("[1, 2]"u8, new Dictionary<string, byte[]>()));

        Assert.Equal(FrameFormatError.MissingHeader, exception.Error);
        Assert.Contains(FrameHeaders.Encoding, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encoder_refuses_images_it_cannot_carry()
    {
        using var floats = new Mat(10, 10, MatType.CV_32FC3);
        using var empty = new Mat();
        using var encoder = new FrameEncoder();

        Assert.Equal(FrameFormatError.UnsupportedImage, Assert.Throws<FrameFormatException>(() => encoder.Encode(floats, Camera, 0, 0)).Error);
        Assert.Equal(FrameFormatError.UnsupportedImage, Assert.Throws<FrameFormatException>(() => encoder.Encode(empty, Camera, 0, 0)).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameEncoder(FrameEncoding.Jpeg, 0));
    }

    private static (byte[] Payload, Dictionary<string, byte[]> Headers) ValidRawFrame()
    {
        using var image = TestImage(160, 90);
        using var encoder = new FrameEncoder(FrameEncoding.RawBgr);
        var encoded = encoder.Encode(image, Camera, 3, Timestamp);
        return (encoded.Payload, Headers(encoded.Metadata));
    }

    private static Dictionary<string, byte[]> Headers(FrameMetadata metadata)
    {
        var headers = new Dictionary<string, byte[]>();
        metadata.WriteHeaders((key, value) => headers[key] = value);
        return headers;
    }

    /// <summary>Distinct colours in distinct places so channel order and orientation mistakes show up.</summary>
    internal static Mat TestImage(int width, int height)
    {
        var image = new Mat(height, width, MatType.CV_8UC3, new Scalar(30, 60, 90));
        Cv2.Rectangle(image, new Rect(0, 0, width / 2, height / 2), new Scalar(255, 0, 0), -1);
        Cv2.Circle(image, new Point(width * 3 / 4, height * 3 / 4), Math.Min(width, height) / 5, new Scalar(0, 0, 255), -1);
        Cv2.PutText(image, "7", new Point(width / 3, height - 5), HersheyFonts.HersheySimplex, 0.6, new Scalar(0, 255, 0));
        return image;
    }
}
