using AspirePipeline.Producer.Sources;
using AspirePipeline.Tests.Infrastructure;
using OpenCvSharp;

namespace AspirePipeline.Tests.Producer;

/// <summary>
/// How the producer runs ffmpeg for a camera (its JPEG tables, the stream description it reads, the plan it picks),
/// checked against what libjpeg (through OpenCV) and ffmpeg themselves write.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class FfmpegJpegChoicesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(49)]
    [InlineData(50)]
    [InlineData(80)]
    [InlineData(95)]
    [InlineData(100)]
    public void The_tables_given_to_ffmpeg_are_the_ones_libjpeg_writes_at_the_same_quality(int quality)
    {
        using var image = new Mat(32, 32, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(255));
        Cv2.ImEncode(".jpg", image, out var jpeg, [(int)ImwriteFlags.JpegQuality, quality]);

        var written = JpegTables.Read(jpeg);

        Assert.Equal(JpegTables.ZigZag(FfmpegJpegArguments.Scaled(FfmpegJpegArguments.Luminance, quality)), written[0]);
        Assert.Equal(JpegTables.ZigZag(FfmpegJpegArguments.Scaled(FfmpegJpegArguments.Chrominance, quality)), written[1]);
    }

    [Theory]
    // What ffmpeg 5.1 prints for the simulator's H.264, a Motion JPEG camera, an MP4 track and a full-range HEVC stream.
    [InlineData("  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720, 30 fps, 30 tbr, 90k tbn", "h264", "yuv420p", false)]
    [InlineData("  Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 640x360, 15 tbr, 90k tbn", "mjpeg", "yuvj420p", true)]
    [InlineData("  Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080, 25 fps", "h264", "yuv420p", false)]
    [InlineData("  Stream #0:0: Video: hevc (Main), yuv420p(pc, bt709), 2560x1440, 20 fps", "hevc", "yuv420p", true)]
    public void The_input_stream_line_gives_the_codec_and_whether_the_pixels_are_full_range(string line, string codec,
        string pixelFormat, bool fullRange)
    {
        var seen = FfmpegSource.InputStream(line);

        Assert.Equal(new StreamCodecHint.Seen(codec, pixelFormat, fullRange), seen);
    }

    [Theory]
    [InlineData("Input #0, rtsp, from 'rtsp://127.0.0.1:8554/camera':")]
    [InlineData("  Stream #0:0: Audio: aac (LC), 44100 Hz, mono")]
    [InlineData("Stream mapping:")]
    public void Lines_that_do_not_describe_a_video_stream_are_not_taken_for_it(string line)
    {
        Assert.Null(FfmpegSource.InputStream(line));
    }

    [Fact]
    public void A_camera_is_read_as_the_configuration_allows_and_its_stream_calls_for()
    {
        var h264 = new StreamCodecHint.Seen("h264", "yuv420p", FullRange: false);
        var fullRangeH264 = new StreamCodecHint.Seen("h264", "yuvj420p", FullRange: true);
        var mjpeg = new StreamCodecHint.Seen("mjpeg", "yuvj420p", FullRange: true);
        var everything = new FfmpegChoices(MayPassThrough: true, EncodeJpeg: true, JpegQuality: 80);
        var noPassthrough = everything with { MayPassThrough = false };
        var openCv = everything with { EncodeJpeg = false };

        Assert.Equal(new FfmpegPlan(FfmpegOutput.EncodedJpeg, FullRange: false), everything.PlanFor(null));
        Assert.Equal(new FfmpegPlan(FfmpegOutput.EncodedJpeg, FullRange: false), everything.PlanFor(h264));
        Assert.Equal(new FfmpegPlan(FfmpegOutput.EncodedJpeg, FullRange: true), everything.PlanFor(fullRangeH264));
        Assert.Equal(FfmpegOutput.CameraJpeg, everything.PlanFor(mjpeg).Output);
        Assert.Equal(new FfmpegPlan(FfmpegOutput.EncodedJpeg, FullRange: true), noPassthrough.PlanFor(mjpeg));
        Assert.Equal(FfmpegOutput.Pixels, openCv.PlanFor(h264).Output);
        Assert.Equal(FfmpegOutput.CameraJpeg, openCv.PlanFor(mjpeg).Output);
        Assert.Equal(FfmpegOutput.Pixels, FfmpegChoices.PixelsOnly.PlanFor(mjpeg).Output);
    }
}

/// <summary>The quantisation tables (DQT segments) of a baseline JPEG, as the file stores them (zig-zag order).</summary>
internal static class JpegTables
{
    private static readonly int[] ZigZagOrder =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
        54, 47, 55, 62, 63,
    ];

    /// <summary>A table given row by row, in the order a DQT segment stores it.</summary>
    public static int[] ZigZag(IReadOnlyList<int> rowByRow) => [.. ZigZagOrder.Select(index => rowByRow[index])];

    /// <summary>Table id to its 64 entries, from every DQT segment before the first scan.</summary>
    public static Dictionary<int, int[]> Read(byte[] jpeg)
    {
        var tables = new Dictionary<int, int[]>();
        var position = 2;
        while (position + 4 <= jpeg.Length && jpeg[position] == 0xFF && jpeg[position + 1] != 0xDA)
        {
            var marker = jpeg[position + 1];
            var length = (jpeg[position + 2] << 8) | jpeg[position + 3];
            if (marker == 0xDB)
            {
                for (var table = position + 4; table < position + 2 + length; table += 65)
                {
                    Assert.Equal(0, jpeg[table] >> 4); // 8-bit entries: baseline
                    tables[jpeg[table] & 0x0F] = [.. jpeg.AsSpan(table + 1, 64).ToArray().Select(value => (int)value)];
                }
            }
            position += 2 + length;
        }
        return tables;
    }
}
