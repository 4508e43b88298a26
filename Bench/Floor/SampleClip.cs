using System.Globalization;
using AspirePipeline.Bench.Infrastructure;
using OpenCvSharp;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// A few seconds of the project's RTSP camera, stored as received (H.264, no re-encode), so the floor decodes and
/// encodes the same picture content the pipeline benchmark sees.
/// </summary>
internal sealed class SampleClip(string path, int width, int height, int fps)
{
    public string Path { get; } = path;

    public int Width { get; } = width;

    public int Height { get; } = height;

    public int Fps { get; } = fps;

    public int FrameBytes => Width * Height * 3;

    public static async Task<SampleClip> RecordAsync(string repoRoot, string directory, int width, int height, int fps,
        TimeSpan duration)
    {
        var path = System.IO.Path.Combine(directory, Invariant($"camera-{width}x{height}-{fps}.mkv"));
        await using var camera = await CameraSimulator.StartAsync(repoRoot, width, height, fps);
        // Stream copy: what arrives over RTSP is what the producer's ffmpeg decodes, byte for byte.
        await Ffmpeg.RunAsync(
            ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", camera.Url,
             "-an", "-c", "copy", "-t", Invariant(duration.TotalSeconds), "-y", path],
            duration + TimeSpan.FromSeconds(30), $"recording {width}x{height} from the camera simulator");
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            throw new InvalidOperationException($"Recording {width}x{height} from {camera.Url} wrote no data to {path}.");
        }
        return new SampleClip(path, width, height, fps);
    }

    /// <summary>
    /// Decodes <paramref name="count"/> frames spread over the clip into BGR images (the producer's pixel format);
    /// the caller owns them.
    /// </summary>
    public async Task<IReadOnlyList<Mat>> DecodeFramesAsync(int count, int every)
    {
        var frames = new List<Mat>(count);
        try
        {
            await Ffmpeg.RunAsync(
                ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-i", Path, "-an",
                 "-vf", Invariant($"select=not(mod(n\\,{every}))"), "-fps_mode", "passthrough", "-frames:v", Invariant(count),
                 "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
                TimeSpan.FromSeconds(60), $"decoding frames of {Path}",
                async stdout =>
                {
                    var buffer = new byte[FrameBytes];
                    while (await ReadFrameAsync(stdout, buffer))
                    {
                        var image = new Mat(Height, Width, MatType.CV_8UC3);
                        buffer.CopyTo(image.AsSpan<byte>());
                        frames.Add(image);
                    }
                });
            if (frames.Count == 0)
            {
                throw new InvalidOperationException($"ffmpeg decoded no frame of {Path} at {Width}x{Height}.");
            }
            return frames;
        }
        catch
        {
            frames.ForEach(frame => frame.Dispose());
            throw;
        }
    }

    /// <summary>Reads one whole frame; false at the end of the stream, an error if it ends mid-frame.</summary>
    private static async Task<bool> ReadFrameAsync(Stream stream, byte[] buffer)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
        return read switch
        {
            0 => false,
            _ when read == buffer.Length => true,
            _ => throw new InvalidOperationException(
                $"ffmpeg's output ended inside a frame ({read} of {buffer.Length} bytes): the clip's size is not the one asked for."),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
