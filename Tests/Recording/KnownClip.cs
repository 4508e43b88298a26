using AspirePipeline.Recording;

namespace AspirePipeline.Tests.Recording;

/// <summary>
/// A camera's stream whose every byte a test knows: ffmpeg's test pattern encoded as a bare H.264 or H.265 file (what
/// the simulator's <c>--clip</c> sends as it is), no B-frames, a keyframe every <c>gop</c> frames and nowhere else.
/// </summary>
internal static class KnownClip
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>The ffmpeg muxer (<c>-f</c>) of a bare stream of <paramref name="codec"/>.</summary>
    public static string Format(string codec) => codec == VideoCodecs.Hevc ? "hevc" : "h264";

    /// <summary>Encodes <paramref name="frames"/> frames of <paramref name="size"/> at <paramref name="fps"/> into <paramref name="path"/>.</summary>
    public static async Task EncodeAsync(string path, string codec, string size, int frames, int fps, int gop, int slicesPerPicture = 1)
    {
        string[] encoder = codec == VideoCodecs.Hevc
            ? ["-c:v", "libx265", "-x265-params", $"log-level=error:keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0"]
            : ["-c:v", "libx264", "-g", $"{gop}", "-bf", "0", "-sc_threshold", "0", "-x264-params", $"slices={slicesPerPicture}"];
        (await ChildProcess.RunAsync("ffmpeg",
        [
            "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", $"testsrc2=size={size}:rate={fps}",
            "-frames:v", $"{frames}", .. encoder, "-f", Format(codec), "-y", path,
        ], Timeout)).EnsureSuccess($"encoding the known {codec} clip");
    }
}
