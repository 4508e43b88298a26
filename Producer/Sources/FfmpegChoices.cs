namespace AspirePipeline.Producer.Sources;

/// <summary>What the configuration allows for a camera read through ffmpeg.</summary>
/// <param name="MayPassThrough">A Motion JPEG camera's JPEGs may be published as they are (<see cref="CameraOptions.CanPassThrough"/>).</param>
/// <param name="EncodeJpeg">ffmpeg may encode the JPEGs (<c>Producer:Encoding=Jpeg</c> and <c>Producer:JpegEncoder=Ffmpeg</c>).</param>
/// <param name="JpegQuality">The quality ffmpeg encodes at (<c>Producer:JpegQuality</c>).</param>
internal sealed record FfmpegChoices(bool MayPassThrough, bool EncodeJpeg, int JpegQuality)
{
    public static readonly FfmpegChoices PixelsOnly = new(false, false, Frames.FrameEncoder.DefaultJpegQuality);

    /// <summary>The plan for a stream as last seen (or, never seen, as most cameras send: TV-range video that is not Motion JPEG).</summary>
    public FfmpegPlan PlanFor(StreamCodecHint.Seen? seen) =>
        seen is { IsMjpeg: true } && MayPassThrough ? new FfmpegPlan(FfmpegOutput.CameraJpeg, FullRange: true)
        : EncodeJpeg ? new FfmpegPlan(FfmpegOutput.EncodedJpeg, seen?.FullRange ?? false)
        : new FfmpegPlan(FfmpegOutput.Pixels, FullRange: false);
}
