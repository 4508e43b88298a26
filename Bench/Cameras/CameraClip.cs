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

    /// <summary>
    /// The camera's own bitrate, bytes a second: the clip's bytes over its duration at <paramref name="fps"/> (its
    /// access units, counted by ffprobe, one frame each), since the simulator sends the clip's bytes looped at that rate.
    /// </summary>
    public static async Task<double> BytesPerSecondAsync(string clip, int fps)
    {
        var probe = (await ChildProcess.RunAsync("ffprobe",
            ["-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", clip],
            TimeSpan.FromMinutes(1))).EnsureSuccess($"ffprobe counting the access units of {clip}");
        var frames = long.Parse(probe.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        return frames > 0 ? new FileInfo(clip).Length * (double)fps / frames
            : throw new InvalidOperationException($"ffprobe found no access unit in {clip}.");
    }

    private static bool IsUsable(string path) => new FileInfo(path) is { Exists: true, Length: > 0 };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
