using AspirePipeline.Frames;
using AspirePipeline.Producer.Sources;
using AspirePipeline.Tests.Infrastructure;
using OpenCvSharp;

namespace AspirePipeline.Tests.Producer;

/// <summary>Passthrough's two checks on a camera's JPEG stream: cutting it into frames, and reading each frame's header.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class JpegSplittingTests
{
    [Theory]
    [InlineData(1 << 20)]
    [InlineData(7)]
    [InlineData(1)]
    public void A_stream_of_jpegs_is_cut_into_exactly_those_jpegs_however_the_pipe_delivers_it(int chunk)
    {
        // Restart markers and busy pictures put FF D0..D7 and stuffed FF 00 bytes into the entropy-coded data.
        var jpegs = new[] { Jpeg(64, 48, seed: 1), Jpeg(320, 240, seed: 2, restartInterval: 4), Jpeg(16, 16, seed: 3, gray: true) };
        // ffmpeg's RTP depacketiser may append a second end-of-image (FF D9) to a frame: skipped, not a broken piece.
        using var stream = new ChunkedStream([.. jpegs[0], .. jpegs[1], 0xFF, 0xD9, .. jpegs[2]], chunk);
        var splitter = new JpegStreamSplitter(stream);

        var pieces = ReadAll(splitter);

        Assert.Equal(jpegs.Length, pieces.Count);
        for (var index = 0; index < jpegs.Length; index++)
        {
            Assert.Equal(jpegs[index], pieces[index]);
        }
    }

    [Fact]
    public void Garbage_and_a_cut_off_frame_come_out_as_pieces_of_their_own_and_the_frames_around_them_survive()
    {
        var first = Jpeg(64, 48, seed: 1);
        // Cut inside its image data, as a frame that stopped mid-transfer.
        var cutOff = Jpeg(64, 48, seed: 2)[..^100];
        var last = Jpeg(64, 48, seed: 3);
        byte[] garbage = [0x00, 0x11, 0x22, 0xFF, 0x00];
        using var stream = new ChunkedStream([.. first, .. garbage, .. cutOff, .. last], 13);

        var pieces = ReadAll(new JpegStreamSplitter(stream));

        Assert.Equal(4, pieces.Count);
        Assert.Equal(first, pieces[0]);
        Assert.Equal(garbage, pieces[1]);
        Assert.Equal(cutOff, pieces[2]);
        Assert.Equal(last, pieces[3]);
        Assert.True(JpegHeader.TryRead(pieces[0], out _, out _));
        Assert.False(JpegHeader.TryRead(pieces[1], out _, out var notJpeg));
        Assert.Contains("start-of-image", notJpeg, StringComparison.Ordinal);
        Assert.False(JpegHeader.TryRead(pieces[2], out _, out var truncated));
        Assert.Contains("cut off", truncated, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frame_without_an_end_is_handed_over_once_it_exceeds_the_largest_frame_accepted()
    {
        byte[] endless = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, .. Enumerable.Repeat((byte)0x55, 5000)];
        using var stream = new ChunkedStream(endless, 100);
        var splitter = new JpegStreamSplitter(stream, maxFrameBytes: 1000);

        var piece = splitter.ReadNext();

        Assert.NotNull(piece);
        Assert.InRange(piece.Length, 1000, endless.Length);
        Assert.False(JpegHeader.TryRead(piece, out _, out _));
    }

    [Fact]
    public void The_header_gives_size_and_components_of_colour_and_gray_jpegs()
    {
        Assert.True(JpegHeader.TryRead(Jpeg(320, 240, seed: 1), out var colour, out _));
        Assert.Equal(new JpegInfo(320, 240, 3), colour);
        Assert.True(JpegHeader.TryRead(Jpeg(32, 16, seed: 1, gray: true), out var gray, out _));
        Assert.Equal(new JpegInfo(32, 16, 1), gray);
    }

    [Fact]
    public void A_jpeg_whose_sof_header_is_garbled_or_missing_is_refused_with_the_reason()
    {
        var jpeg = Jpeg(64, 48, seed: 1);
        var sof = IndexOfMarker(jpeg, 0xC0);
        var zeroWidth = jpeg.ToArray();
        zeroWidth[sof + 7] = 0;
        zeroWidth[sof + 8] = 0;
        var noSof = jpeg.ToArray();
        noSof[sof + 1] = 0xFE; // the SOF segment becomes a comment

        Assert.False(JpegHeader.TryRead(zeroWidth, out _, out var absurd));
        Assert.Contains("0x48 pixels", absurd, StringComparison.Ordinal);
        Assert.False(JpegHeader.TryRead(noSof, out _, out var missing));
        Assert.Contains("no SOF header", missing, StringComparison.Ordinal);
    }

    internal static byte[] Jpeg(int width, int height, int seed, bool gray = false, int restartInterval = 0)
    {
        using var image = new Mat(height, width, gray ? MatType.CV_8UC1 : MatType.CV_8UC3);
        Cv2.Randu(image, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        Cv2.Circle(image, new Point(width / 2, height / 2), Math.Min(width, height) / 3, new Scalar(seed * 40, 200, 90), -1);
        Cv2.ImEncode(".jpg", image, out var jpeg, [(int)ImwriteFlags.JpegQuality, 90, (int)ImwriteFlags.JpegRstInterval, restartInterval]);
        return jpeg;
    }

    internal static int IndexOfMarker(byte[] jpeg, byte marker)
    {
        for (var at = 2; at + 1 < jpeg.Length; at++)
        {
            if (jpeg[at] == 0xFF && jpeg[at + 1] == marker)
            {
                return at;
            }
        }
        throw new InvalidOperationException($"marker FF {marker:X2} not found");
    }

    private static List<byte[]> ReadAll(JpegStreamSplitter splitter)
    {
        var pieces = new List<byte[]>();
        while (splitter.ReadNext() is { } piece)
        {
            pieces.Add(piece);
        }
        return pieces;
    }

    /// <summary>A pipe that delivers at most <c>chunk</c> bytes per read, as ffmpeg's stdout may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
