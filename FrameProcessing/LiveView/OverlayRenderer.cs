using System.Globalization;
using AspirePipeline.FrameProcessing.Analysis;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>
/// Draws the analysis onto a (shrunk) copy of the frame and encodes it as JPEG for the live view: the text panel and,
/// for analyses that locate objects, each detection's box and score (boxes in the given image's pixel coordinates).
/// </summary>
public sealed class OverlayRenderer(IOptions<LiveViewOptions> options)
{
    private static readonly Scalar Background = new(0, 0, 0);
    private static readonly Scalar Text = new(80, 255, 80);
    // Magenta: rare in camera pictures, so a box stands out (and survives the live view's JPEG) on any scene.
    private static readonly Scalar Box = new(255, 0, 255);

    /// <summary>The colour (BGR) of detection boxes, which tests look for in screenshots of the live view.</summary>
    public static Scalar BoxColour => Box;
    private readonly LiveViewOptions _options = options.Value;

    public byte[] Render(Mat image, string analyzer, string cameraId, long? sequence, FrameAnalysis analysis, double fps)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(analysis);

        using var canvas = new Mat();
        var scale = image.Width > _options.MaxWidth ? (double)_options.MaxWidth / image.Width : 1.0;
        using var scaled = scale < 1.0 ? new Mat() : null;
        var source = image;
        if (scaled is not null)
        {
            Cv2.Resize(image, scaled, new Size(_options.MaxWidth, Math.Max(1, (int)Math.Round(image.Height * scale))),
                interpolation: InterpolationFlags.Area);
            source = scaled;
        }
        // The overlay is coloured and JPEG has no alpha: always draw on a 3-channel copy.
        switch (source.Channels())
        {
            case 1:
                Cv2.CvtColor(source, canvas, ColorConversionCodes.GRAY2BGR);
                break;
            case 4:
                Cv2.CvtColor(source, canvas, ColorConversionCodes.BGRA2BGR);
                break;
            default:
                source.CopyTo(canvas);
                break;
        }

        var fontScale = Math.Max(0.4, canvas.Width / 1280.0);
        var thickness = Math.Max(1, (int)Math.Round(fontScale * 2));
        DrawDetections(canvas, analysis.Detections, scale, fontScale, thickness);

        var lines = new[]
        {
            string.Create(CultureInfo.InvariantCulture, $"{cameraId} #{sequence?.ToString(CultureInfo.InvariantCulture) ?? "-"}"),
            string.Create(CultureInfo.InvariantCulture, $"{analyzer} {analysis.Value:F3}"),
            string.Create(CultureInfo.InvariantCulture, $"{fps:F1} fps"),
        };
        var lineHeight = (int)Math.Ceiling(30 * fontScale);
        var width = lines.Max(line => Cv2.GetTextSize(line, HersheyFonts.HersheySimplex, fontScale, thickness, out _).Width);
        Cv2.Rectangle(canvas, new Rect(0, 0, width + 16, lineHeight * lines.Length + 12), Background, -1);
        for (var i = 0; i < lines.Length; i++)
        {
            Cv2.PutText(canvas, lines[i], new Point(8, lineHeight * (i + 1)), HersheyFonts.HersheySimplex, fontScale,
                Text, thickness, LineTypes.AntiAlias);
        }

        Cv2.ImEncode(".jpg", canvas, out var jpeg, [(int)ImwriteFlags.JpegQuality, _options.JpegQuality]);
        return jpeg;
    }

    private static void DrawDetections(Mat canvas, IReadOnlyList<Detection>? detections, double scale, double fontScale,
        int thickness)
    {
        if (detections is null)
        {
            return;
        }
        foreach (var detection in detections)
        {
            var box = new Rect((int)Math.Round(detection.X * scale), (int)Math.Round(detection.Y * scale),
                Math.Max(1, (int)Math.Round(detection.Width * scale)), Math.Max(1, (int)Math.Round(detection.Height * scale)));
            // At least 2 px: a 1 px line all but vanishes in the JPEG of the live view.
            Cv2.Rectangle(canvas, box, Box, Math.Max(2, thickness));
            Cv2.PutText(canvas, detection.Score.ToString("F2", CultureInfo.InvariantCulture),
                new Point(box.X + 2, Math.Max(box.Y - 4, 12)), HersheyFonts.HersheySimplex, fontScale * 0.8, Box,
                Math.Max(1, thickness - 1), LineTypes.AntiAlias);
        }
    }
}
