using System.Globalization;
using AspirePipeline.Bench.Floor;
using AspirePipeline.Bench.Infrastructure;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// The cameras' footage, encoded once and cached in <c>.data/bench/clips</c>: the simulator's own picture recorded as
/// it streams (H.264, stream copy, as a bare Annex B stream), and that recording transcoded once to Motion JPEG (the
/// standard Huffman tables RTP's JPEG payload carries). Served with <c>--clip</c>, the cameras cost no encoding.
/// </summary>
internal static class CameraClip
{
    public const int Width = 1280;
    public const int Height = 720;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);

    // ffmpeg's MJPEG quantiser: 4 gives JPEGs about the size the producer's quality-80 encode makes of this picture.
    private const int MjpegQuantiser = 4;

    public static async Task<string> GetAsync(string repoRoot, string codec, int fps, Action<string> progress)
    {
        var directory = Path.Combine(repoRoot, ".data", "bench", "clips");
        Directory.CreateDirectory(directory);
        var h264 = Path.Combine(directory, Invariant($"camera-{Width}x{Height}-{fps}.h264"));
        if (!IsUsable(h264))
        {
            progress(Invariant($"recording {Duration.TotalSeconds:0} s of the {Width}x{Height} camera at {fps} fps (cached in {directory})"));
            await using var camera = await CameraSimulator.StartAsync(repoRoot, Width, Height, fps);
            var partial = h264 + ".partial";
            // Stream copy: what the camera sends, byte for byte; ffmpeg starts it at a keyframe, so the loop is seamless.
            await Ffmpeg.RunAsync(
                ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", camera.Url,
                 "-an", "-c:v", "copy", "-t", Invariant($"{Duration.TotalSeconds}"), "-f", "h264", "-y", partial],
                Duration + TimeSpan.FromSeconds(60), $"recording {Width}x{Height} from the camera simulator");
            File.Move(partial, h264, overwrite: true);
        }
        if (codec == "h264")
        {
            return h264;
        }
        var mjpeg = Path.Combine(directory, Invariant($"camera-{Width}x{Height}-{fps}-q{MjpegQuantiser}.mjpeg"));
        if (!IsUsable(mjpeg))
        {
            progress($"transcoding the recording to Motion JPEG once ({mjpeg})");
            var partial = mjpeg + ".partial";
            await Ffmpeg.RunAsync(
                ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-i", h264, "-an", "-c:v", "mjpeg",
                 "-huffman", "default", "-q:v", Invariant($"{MjpegQuantiser}"), "-pix_fmt", "yuvj420p", "-f", "mjpeg", "-y", partial],
                TimeSpan.FromMinutes(5), "transcoding the camera recording to Motion JPEG");
            File.Move(partial, mjpeg, overwrite: true);
        }
        return mjpeg;
    }

    private static bool IsUsable(string path) => new FileInfo(path) is { Exists: true, Length: > 0 };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
