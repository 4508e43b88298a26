namespace AspirePipeline.Bench.Pipeline;

/// <summary>
/// The least CPU a frame can cost at one size: ffmpeg decoding the camera's stream, one JPEG encode, and one JPEG
/// decode per consumer group, measured in the same benchmark run (Bench/Floor).
/// </summary>
internal sealed record FloorFigures(double FfmpegDecodeMs, double JpegEncodeMs, double JpegDecodeMs, double JpegBytes, double SeedJsonBytes)
{
    public double FloorMs(int groups) => FfmpegDecodeMs + JpegEncodeMs + groups * JpegDecodeMs;

    public static Task<FloorFigures> MeasureAsync(string repoRoot, int width, int height, int fps, Action<string> progress) =>
        throw new NotImplementedException("waiting for Bench/Floor");
}
