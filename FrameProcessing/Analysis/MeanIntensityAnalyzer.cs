using AspirePipeline.Frames;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// The original design's analysis: the mean pixel value of each channel (<c>Cv2.Mean</c>); the headline value is the
/// average of the channel means.
/// </summary>
public sealed class MeanIntensityAnalyzer : IFrameAnalyzer
{
    public const string AnalyzerName = "mean-intensity";

    private static readonly string[] BgrNames = ["blue", "green", "red"];
    private static readonly string[] BgraNames = ["blue", "green", "red", "alpha"];
    private static readonly string[] GrayNames = ["gray"];

    public string Name => AnalyzerName;

    /// <summary>
    /// A 1/8-scale JPEG decode yields each 8x8 block's average (its DC term), so the mean of that image is the mean of
    /// the full one up to rounding and clipping, at a fraction of the cost.
    /// </summary>
    public DecodeTarget DecodeTarget { get; } = new(MaxDownscale: 8);

    public FrameAnalysis Analyze(string cameraId, Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var names = image.Channels() switch
        {
            1 => GrayNames,
            3 => BgrNames,
            4 => BgraNames,
            var channels => throw new ArgumentException($"Expected 1, 3 or 4 channels, got {channels}.", nameof(image)),
        };

        var mean = Cv2.Mean(image);
        var values = new KeyValuePair<string, double>[names.Length];
        var sum = 0.0;
        for (var channel = 0; channel < names.Length; channel++)
        {
            values[channel] = new(names[channel], mean[channel]);
            sum += mean[channel];
        }
        return new FrameAnalysis(sum / names.Length, values);
    }
}
