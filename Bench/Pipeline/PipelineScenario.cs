using System.Globalization;
using AspirePipeline.Frames;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>
/// One configuration of the pipeline to measure. <see cref="Fps"/> paces the camera; <see cref="Synthetic"/> replaces
/// the RTSP camera by the producer's built-in drawn source (used for the unthrottled run, where a real camera
/// encoding at hundreds of fps would take the cores the pipeline is being measured on).
/// </summary>
internal sealed record PipelineScenario(int Width, int Height, int Fps, FrameEncoding Encoding, bool Synthetic = false)
{
    public string Size => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");

    public string Format => Encoding switch
    {
        FrameEncoding.Jpeg => "JPEG",
        FrameEncoding.SeedJson => "JSON (original)",
        _ => Encoding.ToString(),
    };

    public string Source => Synthetic
        ? string.Create(CultureInfo.InvariantCulture, $"synthetic ≤{Fps} fps")
        : string.Create(CultureInfo.InvariantCulture, $"RTSP {Fps} fps");

    public override string ToString() => $"{Size} {Format}, {Source}";
}
