using System.Diagnostics;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>One frame read straight off the RTSP stream with Debian's ffmpeg, as raw BGR, independent of the producer.</summary>
public sealed class CameraFrame(int width, int height, byte[] bgr)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    /// <summary>Mean of each channel, named like the mean-intensity analyzer's values.</summary>
    public IReadOnlyDictionary<string, double> ChannelMeans()
    {
        var sums = new long[3];
        for (var i = 0; i < bgr.Length; i += 3)
        {
            sums[0] += bgr[i];
            sums[1] += bgr[i + 1];
            sums[2] += bgr[i + 2];
        }

        var pixels = (double)Width * Height;
        return new Dictionary<string, double> { ["blue"] = sums[0] / pixels, ["green"] = sums[1] / pixels, ["red"] = sums[2] / pixels };
    }

    public static async Task<CameraFrame> GrabAsync(string url, int width, int height, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url,
                     "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "pipe:1",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            using var frame = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(frame, cancellation.Token);
            var errors = process.StandardError.ReadToEndAsync(cancellation.Token);
            await Task.WhenAll(copy, errors, process.WaitForExitAsync(cancellation.Token));
            var expected = width * height * 3;
            return process.ExitCode == 0 && frame.Length == expected
                ? new CameraFrame(width, height, frame.ToArray())
                : throw new InvalidOperationException(
                    $"ffmpeg exited {process.ExitCode} with {frame.Length} of {expected} bytes from {url}: {await errors}");
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ffmpeg read no frame from {url} within {timeout}");
        }
    }
}
