namespace AspirePipeline.Producer.Sources;

/// <summary>
/// How ffmpeg is run for a camera: its output, and (for <see cref="FfmpegOutput.EncodedJpeg"/>) whether the input is
/// already full range.
/// </summary>
internal sealed record FfmpegPlan(FfmpegOutput Output, bool FullRange)
{
    public string Describe() => Output switch
    {
        FfmpegOutput.CameraJpeg => "passing its JPEGs through",
        FfmpegOutput.EncodedJpeg => FullRange ? "encoding JPEG in ffmpeg" : "encoding JPEG in ffmpeg, TV range expanded",
        _ => "decoding",
    };
}
