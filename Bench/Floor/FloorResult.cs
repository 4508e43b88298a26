namespace AspirePipeline.Bench.Floor;

/// <summary>
/// The CPU floor at one frame size, per frame. Times are CPU milliseconds per frame: ffmpeg's from its own rusage,
/// the others BenchmarkDotNet medians timed by the benchmark thread's CPU clock with OpenCV held to one thread, so the
/// thread's CPU is the call's (<see cref="Micro"/> carries the check). Byte counts are mean payload sizes over the
/// recorded frames.
/// </summary>
internal sealed record FloorResult(
    int Width,
    int Height,
    int Fps,
    double FfmpegDecodeMs,
    double FfmpegToPixelsMs,
    double JpegEncodeMs,
    double JpegDecodeMs,
    double JpegDecodeForMeanMs,
    double JpegDecodeForMotionMs,
    double SeedJsonEncodeMs,
    double SeedJsonDecodeMs,
    double MessageBuildMs,
    double JpegBytes,
    double SeedJsonBytes,
    int DecodedFrames,
    int SampleFrames,
    IReadOnlyList<double> FfmpegRunsMs,
    double FfmpegStartupMs,
    IReadOnlyList<MicroResult> Micro)
{
    /// <summary>
    /// The least CPU per frame any design of this pipeline needs with JPEG on the wire: ffmpeg decoding the camera's
    /// H.264 (decoding only: handing BGR pixels to another process is a cost of a design, see
    /// <see cref="FfmpegToPixelsMs"/>), one JPEG encode and one JPEG decode in each of <paramref name="groups"/>
    /// consumer groups. Message building, Kafka, the broker and the analysis are left out: they are what the
    /// pipeline's ratio to this floor shows.
    /// </summary>
    public double FloorMs(int groups) => FfmpegDecodeMs + JpegEncodeMs + groups * JpegDecodeMs;

    /// <summary>
    /// The floor for this project's two groups as their analyzers now decode: ffmpeg decode + JPEG encode + the mean
    /// group's 1/8-scale colour decode + the motion group's reduced gray decode. Below <see cref="FloorMs"/> because
    /// libjpeg skips the detail those analyzers do not use; a pipeline under <c>FloorMs(2)</c> is not beating physics.
    /// </summary>
    public double ReducedDecodeFloorMs => FfmpegDecodeMs + JpegEncodeMs + JpegDecodeForMeanMs + JpegDecodeForMotionMs;

    /// <summary>The same floor for the original design's format: seed-JSON encode and one decode per group.</summary>
    public double SeedJsonFloorMs(int groups) => FfmpegDecodeMs + SeedJsonEncodeMs + groups * SeedJsonDecodeMs;

    public string Size => $"{Width}x{Height}";
}
