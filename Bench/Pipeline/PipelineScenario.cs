using System.Globalization;
using AspirePipeline.Frames;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>
/// One configuration of the pipeline to measure. <see cref="Fps"/> paces the camera. With <see cref="ClipPath"/> the
/// producer replays a recording of the camera instead (the unthrottled run: a live camera encoding at hundreds of fps
/// would take the cores the pipeline is measured on); <see cref="Fps"/> is then the replay's pacing, per camera, and
/// <see cref="Cameras"/> replays run side by side when one source's cap would hide the pipeline's own limit.
/// </summary>
internal sealed record PipelineScenario(int Width, int Height, int Fps, FrameEncoding Encoding, string? ClipPath = null, int Cameras = 1)
{
    /// <summary>The producer's highest accepted camera rate (Producer:Cameras:N:Fps).</summary>
    public const int MaxSourceFps = 240;

    public bool Replayed => ClipPath is not null;

    public string Size => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");

    public string Format => Encoding switch
    {
        FrameEncoding.Jpeg => "JPEG",
        FrameEncoding.SeedJson => "JSON (original)",
        _ => Encoding.ToString(),
    };

    public string Source => Replayed
        ? string.Create(CultureInfo.InvariantCulture, $"{Cameras} replayed camera(s) ≤{Fps} fps each")
        : string.Create(CultureInfo.InvariantCulture, $"RTSP {Fps} fps");

    public override string ToString() => $"{Size} {Format}, {Source}";
}
