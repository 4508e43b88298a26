using System.Globalization;
using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Tracking;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>
/// Draws the analysis onto a (shrunk) copy of the frame and encodes it as JPEG for the live view: the text panel and,
/// for analyses that locate objects, each detection's box and score (boxes in the given image's pixel coordinates).
/// A tracked analysis (one with a <see cref="FrameAnalysis.Scene"/>) also gets the camera's zones and counting lines
/// (from <see cref="SceneCatalog"/>) with their counts, each confirmed track's box with its id, and the counts in the
/// panel.
/// </summary>
public sealed class OverlayRenderer
{
    // The overlay's colours (BGR) are corners of the colour cube, each far from the others in some channel, so each
    // stays itself through the live view's JPEG and tests can tell them apart in a screenshot. The recorded footage
    // (vtest.avi) has none of magenta, cyan and blue within 80 per channel, and some 200 pixels a frame of yellow: far
    // fewer than a counting line draws.
    private static readonly Scalar Background = new(0, 0, 0);
    private static readonly Scalar Text = new(80, 255, 80);
    // Magenta: rare in camera pictures, so a box stands out (and survives the live view's JPEG) on any scene.
    private static readonly Scalar Box = new(255, 0, 255);
    private static readonly Scalar Zone = new(255, 255, 0);
    private static readonly Scalar Line = new(0, 255, 255);
    private static readonly Scalar Track = new(255, 0, 0);
    private static readonly Scalar Black = new(0, 0, 0);
    private static readonly Scalar White = new(255, 255, 255);

    private readonly LiveViewOptions _options;
    private readonly SceneCatalog _scenes;

    public OverlayRenderer(IOptions<LiveViewOptions> options, SceneCatalog scenes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scenes);
        _options = options.Value;
        _scenes = scenes;
    }

    /// <summary>A renderer that knows no zones or lines (tracks and counts are still drawn).</summary>
    public OverlayRenderer(IOptions<LiveViewOptions> options)
        : this(options, new SceneCatalog([]))
    {
    }

    /// <summary>The colour (BGR) of detection boxes, which tests look for in screenshots of the live view.</summary>
    public static Scalar BoxColour => Box;

    /// <summary>The colour (BGR, cyan) of zone outlines and their labels.</summary>
    public static Scalar ZoneColour => Zone;

    /// <summary>The colour (BGR, yellow) of counting lines, their "in" arrows and their labels.</summary>
    public static Scalar LineColour => Line;

    /// <summary>The colour (BGR, blue) of confirmed tracks' boxes and their id labels.</summary>
    public static Scalar TrackColour => Track;

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
        var pen = new Pen(fontScale, thickness);
        var scene = analysis.Scene;
        var cameraScene = scene is null ? null : _scenes.For(cameraId);
        if (scene is not null && cameraScene is not null)
        {
            DrawZones(canvas, cameraScene.Zones, scene.Zones, pen);
            DrawLines(canvas, cameraScene.Lines, scene.Lines, pen);
        }
        DrawDetections(canvas, analysis.Detections, scale, pen);
        if (scene is not null)
        {
            DrawTracks(canvas, scene.Tracks, scale, pen);
        }

        var lines = new List<string>(3 + (scene is null ? 0 : 1 + scene.Zones.Count + scene.Lines.Count))
        {
            string.Create(CultureInfo.InvariantCulture, $"{cameraId} #{sequence?.ToString(CultureInfo.InvariantCulture) ?? "-"}"),
            string.Create(CultureInfo.InvariantCulture, $"{analyzer} {analysis.Value:F3}"),
            string.Create(CultureInfo.InvariantCulture, $"{fps:F1} fps"),
        };
        if (scene is not null)
        {
            // The counts panel: what the zones and lines hold, readable even where their labels crowd the picture.
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"tracks {scene.Tracks.Count}"));
            lines.AddRange(scene.Zones.Select(zone => $"zone {ZoneLabel(zone.Zone, zone.Count)}"));
            lines.AddRange(scene.Lines.Select(line => $"line {LineLabel(line.Line, line)}"));
        }
        var lineHeight = (int)Math.Ceiling(30 * fontScale);
        var width = lines.Max(line => Cv2.GetTextSize(line, HersheyFonts.HersheySimplex, fontScale, thickness, out _).Width);
        Cv2.Rectangle(canvas, new Rect(0, 0, width + 16, lineHeight * lines.Count + 12), Background, -1);
        for (var i = 0; i < lines.Count; i++)
        {
            Cv2.PutText(canvas, lines[i], new Point(8, lineHeight * (i + 1)), HersheyFonts.HersheySimplex, fontScale,
                Text, thickness, LineTypes.AntiAlias);
        }

        Cv2.ImEncode(".jpg", canvas, out var jpeg, [(int)ImwriteFlags.JpegQuality, _options.JpegQuality]);
        return jpeg;
    }

    private static void DrawDetections(Mat canvas, IReadOnlyList<Detection>? detections, double scale, Pen pen)
    {
        if (detections is null)
        {
            return;
        }
        foreach (var detection in detections)
        {
            var box = Scaled(detection, scale);
            // At least 2 px: a 1 px line all but vanishes in the JPEG of the live view.
            Cv2.Rectangle(canvas, box, Box, pen.Stroke);
            Cv2.PutText(canvas, detection.Score.ToString("F2", CultureInfo.InvariantCulture),
                new Point(box.X + 2, Math.Max(box.Y - 4, 12)), HersheyFonts.HersheySimplex, pen.FontScale * 0.8, Box,
                Math.Max(1, pen.Thickness - 1), LineTypes.AntiAlias);
        }
    }

    /// <summary>Each confirmed track's box, its id labelled below it (the detection's score sits above).</summary>
    private static void DrawTracks(Mat canvas, IReadOnlyList<TrackedObject> tracks, double scale, Pen pen)
    {
        foreach (var track in tracks)
        {
            var box = Scaled(track.Box, scale);
            Cv2.Rectangle(canvas, box, Track, pen.Stroke);
            DrawLabel(canvas, string.Create(CultureInfo.InvariantCulture, $"#{track.Id}"), new Point(box.X, box.Bottom), Track, White,
                pen, below: true);
        }
    }

    /// <summary>Each zone's outline, its name and occupancy labelled at its top-left corner.</summary>
    private static void DrawZones(Mat canvas, IReadOnlyList<SceneZone> zones, IReadOnlyList<ZoneOccupancy> counts, Pen pen)
    {
        foreach (var zone in zones)
        {
            var corners = new Point[zone.Points.Count];
            for (var i = 0; i < corners.Length; i++)
            {
                corners[i] = ToCanvas(canvas, zone.Points[i]);
            }
            Cv2.Polylines(canvas, [corners], isClosed: true, Zone, pen.Stroke, LineTypes.AntiAlias);
            int? count = null;
            foreach (var occupancy in counts)
            {
                if (occupancy.Zone == zone.Name)
                {
                    count = occupancy.Count;
                    break;
                }
            }
            var topLeft = new Point(corners.Min(point => point.X), corners.Min(point => point.Y));
            DrawLabel(canvas, ZoneLabel(zone.Name, count), topLeft, Zone, Black, pen, below: false);
        }
    }

    /// <summary>
    /// Each counting line, an arrow from its middle towards the side "in" crossings head for, and its counts labelled
    /// above its start.
    /// </summary>
    private static void DrawLines(Mat canvas, IReadOnlyList<SceneLine> lines, IReadOnlyList<LineCount> counts, Pen pen)
    {
        var arrowLength = Math.Max(16, 40 * pen.FontScale);
        foreach (var line in lines)
        {
            var from = ToCanvas(canvas, line.From);
            var to = ToCanvas(canvas, line.To);
            Cv2.Line(canvas, from, to, Line, pen.Stroke, LineTypes.AntiAlias);
            var middle = new Point((from.X + to.X) / 2, (from.Y + to.Y) / 2);
            var (dx, dy) = SceneLine.Vector(line.In);
            var tip = new Point(middle.X + (int)Math.Round(dx * arrowLength), middle.Y + (int)Math.Round(dy * arrowLength));
            Cv2.ArrowedLine(canvas, middle, tip, Line, pen.Stroke, LineTypes.AntiAlias, tipLength: 0.4);
            LineCount? count = null;
            foreach (var crossings in counts)
            {
                if (crossings.Line == line.Name)
                {
                    count = crossings;
                    break;
                }
            }
            DrawLabel(canvas, LineLabel(line.Name, count), from.Y <= to.Y ? from : to, Line, Black, pen, below: false);
        }
    }

    /// <summary>
    /// <paramref name="text"/> in <paramref name="ink"/> on a <paramref name="fill"/> box whose top-left (below) or
    /// bottom-left (above) corner is <paramref name="anchor"/>, moved inside the canvas where it would leave it.
    /// </summary>
    private static void DrawLabel(Mat canvas, string text, Point anchor, Scalar fill, Scalar ink, Pen pen, bool below)
    {
        var fontScale = pen.FontScale * 0.8;
        var thickness = Math.Max(1, pen.Thickness - 1);
        var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, fontScale, thickness, out var baseline);
        var (width, height) = (size.Width + 8, size.Height + baseline + 6);
        var top = below ? anchor.Y + 2 : anchor.Y - height - 2;
        if (top + height > canvas.Height)
        {
            top = anchor.Y - height - 2;
        }
        top = Math.Clamp(top, 0, Math.Max(0, canvas.Height - height));
        var left = Math.Clamp(anchor.X, 0, Math.Max(0, canvas.Width - width));
        Cv2.Rectangle(canvas, new Rect(left, top, width, height), fill, -1);
        Cv2.PutText(canvas, text, new Point(left + 4, top + 3 + size.Height), HersheyFonts.HersheySimplex, fontScale, ink, thickness,
            LineTypes.AntiAlias);
    }

    private static string ZoneLabel(string zone, int? count) =>
        string.Create(CultureInfo.InvariantCulture, $"{zone} {count?.ToString(CultureInfo.InvariantCulture) ?? "-"}");

    private static string LineLabel(string line, LineCount? count) =>
        count is { } crossings
            ? string.Create(CultureInfo.InvariantCulture, $"{line} in {crossings.In} out {crossings.Out}")
            : $"{line} in - out -";

    private static Rect Scaled(Detection box, double scale) =>
        new((int)Math.Round(box.X * scale), (int)Math.Round(box.Y * scale),
            Math.Max(1, (int)Math.Round(box.Width * scale)), Math.Max(1, (int)Math.Round(box.Height * scale)));

    /// <summary>A point relative to the frame (0..1) in the canvas's pixels.</summary>
    private static Point ToCanvas(Mat canvas, ScenePoint point) =>
        new((int)Math.Round(point.X * (canvas.Width - 1)), (int)Math.Round(point.Y * (canvas.Height - 1)));

    /// <summary>Text size and line widths for a canvas: <see cref="Stroke"/> is at least 2 px, which survives the JPEG.</summary>
    private readonly record struct Pen(double FontScale, int Thickness)
    {
        public int Stroke => Math.Max(2, Thickness);
    }
}
