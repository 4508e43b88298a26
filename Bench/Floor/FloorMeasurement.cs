using System.Globalization;
using OpenCvSharp;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// Measures the CPU floor at one size: records a clip from the camera simulator, times ffmpeg decoding it the way
/// the producer does, and runs the micro benchmarks on frames of it. About 30 to 50 s per size on 2 cores.
/// </summary>
internal static class FloorMeasurement
{
    public static readonly TimeSpan ClipDuration = TimeSpan.FromSeconds(6);
    public const int DecodeRuns = 5;
    public const int SampleFrameCount = 8;

    public static async Task<FloorResult> MeasureAsync(string repoRoot, int width, int height, int fps, Action<string> progress)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fps);
        ArgumentNullException.ThrowIfNull(progress);
        var size = string.Create(CultureInfo.InvariantCulture, $"{width}x{height}");
        var directory = Path.Combine(repoRoot, ".data", "bench", $"floor-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        IReadOnlyList<Mat> frames = [];
        try
        {
            progress(string.Create(CultureInfo.InvariantCulture,
                $"floor {size}: recording {ClipDuration.TotalSeconds:0} s at {fps} fps from the camera simulator"));
            var clip = await SampleClip.RecordAsync(repoRoot, directory, width, height, fps, ClipDuration);

            progress($"floor {size}: ffmpeg decode only and decode to raw BGR, {DecodeRuns} runs each");
            var decodeOnly = await FfmpegDecodeCost.MeasureAsync(clip, DecodeRuns, toPixels: false, progress);
            var decode = await FfmpegDecodeCost.MeasureAsync(clip, DecodeRuns, toPixels: true, progress);

            var every = Math.Max(1, decode.Frames / SampleFrameCount);
            frames = await clip.DecodeFramesAsync(SampleFrameCount, every);
            var (jpegBytes, seedJsonBytes) = FrameBenchmarks.PayloadBytes(frames);
            progress(string.Create(CultureInfo.InvariantCulture,
                $"floor {size}: {frames.Count} frames sampled; " +
                $"JPEG {jpegBytes / 1000:F1} kB, seed JSON {seedJsonBytes / 1000:F0} kB per frame; micro benchmarks"));

            // BenchmarkDotNet blocks for its whole run; keep it off the caller's thread.
            var micro = await Task.Run(() => MicroBenchmarks.Run(
                new Dictionary<string, IReadOnlyList<Mat>> { [size] = frames }, Path.Combine(directory, "bdn"), progress));
            double Ms(string name) => micro.Single(r => r.Name == name).MedianNs / 1e6;

            var result = new FloorResult(width, height, fps,
                decodeOnly.MsPerFrame,
                decode.MsPerFrame,
                Ms(nameof(FrameBenchmarks.JpegEncode)),
                Ms(nameof(FrameBenchmarks.JpegDecode)),
                Ms(nameof(FrameBenchmarks.JpegDecodeForMean)),
                Ms(nameof(FrameBenchmarks.JpegDecodeForMotion)),
                Ms(nameof(FrameBenchmarks.SeedJsonEncode)),
                Ms(nameof(FrameBenchmarks.SeedJsonDecode)),
                Ms(nameof(FrameBenchmarks.MessageBuild)),
                jpegBytes, seedJsonBytes, decode.Frames, frames.Count, decode.RunMsPerFrame, decode.StartupCpuMs, micro);
            progress(string.Create(CultureInfo.InvariantCulture,
                $"floor {size}: ffmpeg {result.FfmpegDecodeMs:F3} (to BGR {result.FfmpegToPixelsMs:F3}) " +
                $"+ JPEG encode {result.JpegEncodeMs:F3} + decode {result.JpegDecodeMs:F3} per group ms/frame; " +
                $"floor with 2 groups {result.FloorMs(2):F3} ms/frame, with the analyzers' reduced decodes {result.ReducedDecodeFloorMs:F3}"));
            return result;
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Dispose();
            }
            Directory.Delete(directory, recursive: true);
        }
    }
}
