using System.Globalization;
using System.Text.Json;

namespace AspirePipeline.Tests.Clips;

/// <summary>What ffprobe and ffmpeg (Debian's) say of a video file: its stream, its frames, its decoded pixels.</summary>
public static class VideoProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The first video stream's codec and size and the container's duration; fails with ffprobe's message when it cannot read it.</summary>
    public static async Task<(string Codec, int Width, int Height, double Duration)> StreamAsync(string path)
    {
        var result = (await ChildProcess.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
            "stream=codec_name,width,height:format=duration,format_name", "-of", "json", path], Timeout)).EnsureSuccess($"ffprobe {path}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        var stream = json.RootElement.GetProperty("streams")[0];
        var format = json.RootElement.GetProperty("format");
        Assert.Contains("mp4", format.GetProperty("format_name").GetString(), StringComparison.Ordinal);
        return (stream.GetProperty("codec_name").GetString()!, stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32(),
            double.Parse(format.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>Every video frame in presentation order: whether it is a keyframe, its picture type and its time in seconds.</summary>
    public static async Task<IReadOnlyList<(bool Key, string PictType, double Time)>> FramesAsync(string path)
    {
        var result = (await ChildProcess.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_frames", "-show_entries",
            "frame=key_frame,pict_type,best_effort_timestamp_time", "-of", "compact=p=0", path], Timeout))
            .EnsureSuccess($"ffprobe -show_frames {path}");
        // ffprobe writes the fields in its own order, each as name=value.
        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|').Select(field => field.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]))
            .Select(fields => (fields["key_frame"] == "1", fields["pict_type"],
                double.Parse(fields["best_effort_timestamp_time"], CultureInfo.InvariantCulture)))];
    }

    /// <summary>
    /// Decodes <paramref name="path"/> to 8-bit gray frames, one after the other, in <paramref name="output"/>: frames
    /// <paramref name="first"/> to <paramref name="last"/> of the input when given (by decode number), else all.
    /// </summary>
    public static async Task DecodeGrayAsync(string path, string output, int? first = null, int? last = null)
    {
        string[] select = first is { } from && last is { } to ? ["-vf", $"select=between(n\\,{from}\\,{to})", "-fps_mode", "passthrough"] : [];
        (await ChildProcess.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", path, .. select, "-f", "rawvideo",
            "-pix_fmt", "gray", "-y", output], Timeout)).EnsureSuccess($"ffmpeg decoding {path}");
    }

    /// <summary>The first frame (of <paramref name="frameBytes"/> bytes) where two raw files differ, or null when they are equal.</summary>
    public static int? FirstDifferentFrame(string a, string b, int frameBytes)
    {
        using var left = File.OpenRead(a);
        using var right = File.OpenRead(b);
        var one = new byte[frameBytes];
        var two = new byte[frameBytes];
        for (var frame = 0; ; frame++)
        {
            var readOne = left.ReadAtLeast(one, frameBytes, throwOnEndOfStream: false);
            var readTwo = right.ReadAtLeast(two, frameBytes, throwOnEndOfStream: false);
            if (readOne != readTwo || !one.AsSpan(0, readOne).SequenceEqual(two.AsSpan(0, readTwo)))
            {
                return frame;
            }
            if (readOne == 0)
            {
                return null;
            }
        }
    }
}
