namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// What makes a camera a site's (<c>--codecs site</c>): recorded in full to <c>frames.video</c>
/// (<c>Producer:Cameras:N:Record</c>) and analysed from a smaller, slower stream (<c>Fps</c>, <c>Width</c>; the height
/// keeps the aspect ratio), every frame of which both groups analyse.
/// </summary>
/// <param name="AnalysisFps">Frames a second per camera on <c>frames</c> (<c>--site-fps</c>).</param>
/// <param name="AnalysisWidth">Their width in pixels (<c>--site-width</c>).</param>
/// <param name="CameraBytesPerSecond">The camera's own bitrate: the clip's bytes over its duration at the cameras' rate.</param>
internal sealed record SiteSettings(int AnalysisFps, int AnalysisWidth, double CameraBytesPerSecond)
{
    /// <summary>The analysis stream's height for a <paramref name="width"/> x <paramref name="height"/> camera (ffmpeg's even <c>-2</c>).</summary>
    public int AnalysisHeight(int width, int height) => (int)Math.Round(AnalysisWidth * (double)height / width / 2) * 2;
}
