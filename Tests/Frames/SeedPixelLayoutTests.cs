using System.Text;
using AspirePipeline.Frames;
using OpenCvSharp;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Frames;

/// <summary>
/// Seed JSON frames are read as the original Python consumer reads them: the layout follows from the length of
/// <c>pix</c>, whatever <c>channels</c> says.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class SeedPixelLayoutTests
{
    // Two pixels, red then blue, in each layout the seed format knows.
    private static readonly byte[] Rgba = [255, 0, 0, 255, 0, 0, 255, 128];
    private static readonly byte[] Rgb = [255, 0, 0, 0, 0, 255];
    private static readonly byte[] Gray = [10, 250];

    [Fact]
    public void Rgba_pixels_labelled_with_the_cameras_three_channels_decode_as_the_original_go_producer_sends_them()
    {
        using var decoded = DecodeHeaderless(Rgba, channels: 3);

        Assert.Equal(4, decoded.Metadata.Channels);
        Assert.Equal(3, decoded.Image.Channels());
        Assert.Equal(new Vec3b(0, 0, 255), decoded.Image.At<Vec3b>(0, 0));
        Assert.Equal(new Vec3b(255, 0, 0), decoded.Image.At<Vec3b>(0, 1));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(null)]
    public void Rgb_pixels_decode_whatever_channels_says(int? channels)
    {
        using var decoded = DecodeHeaderless(Rgb, channels);

        Assert.Equal(3, decoded.Metadata.Channels);
        Assert.Equal(new Vec3b(0, 0, 255), decoded.Image.At<Vec3b>(0, 0));
        Assert.Equal(new Vec3b(255, 0, 0), decoded.Image.At<Vec3b>(0, 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Gray_pixels_decode_as_one_channel(int channels)
    {
        using var decoded = DecodeHeaderless(Gray, channels);

        Assert.Equal(1, decoded.Metadata.Channels);
        Assert.Equal(1, decoded.Image.Channels());
        Assert.Equal(10, decoded.Image.At<byte>(0, 0));
        Assert.Equal(250, decoded.Image.At<byte>(0, 1));
    }

    [Fact]
    public void A_length_that_fits_no_layout_is_a_size_mismatch_saying_what_was_expected()
    {
        var exception = Assert.Throws<FrameFormatException>(() => DecodeHeaderless([1, 2, 3, 4, 5], channels: 3));

        Assert.Equal(FrameFormatError.PayloadSizeMismatch, exception.Error);
        Assert.Equal("payload-size-mismatch", exception.Reason);
        Assert.Equal(
            "Seed JSON 'pix' holds 5 bytes but 2x1 pixels need 8 (RGBA), 6 (RGB) or 2 (gray); its 'channels' field says 3.",
            exception.Message);
    }

    [Fact]
    public void The_original_producers_320x240_frame_is_no_longer_a_mismatch()
    {
        // The frame every original producer sent and both groups used to dead-letter: 307200 bytes, channels 3.
        Assert.Equal(4, SeedPixelLayout.ChannelsOf(320 * 240 * 4, rows: 240, cols: 320, channelsHint: 3));
        Assert.Equal(3, SeedPixelLayout.ChannelsOf(320 * 240 * 3, rows: 240, cols: 320, channelsHint: 3));
        Assert.Equal(1, SeedPixelLayout.ChannelsOf(320 * 240, rows: 240, cols: 320));
        Assert.Throws<FrameFormatException>(() => SeedPixelLayout.ChannelsOf(320 * 240 * 2, rows: 240, cols: 320));
    }

    private static DecodedFrame DecodeHeaderless(byte[] pixels, int? channels)
    {
        var channelsField = channels is { } value ? $", \"channels\": {value}" : "";
        var json = $$"""{"pix": "{{Convert.ToBase64String(pixels)}}", "rows": 1, "cols": 2{{channelsField}}}""";
        return FrameDecoder.Decode(Encoding.UTF8.GetBytes(json), new Dictionary<string, byte[]>());
    }
}
