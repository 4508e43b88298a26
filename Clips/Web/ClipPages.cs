using System.Net;
using System.Text;
using AspirePipeline.Clips.Catalog;
using AspirePipeline.Clips.Events;

namespace AspirePipeline.Clips.Web;

/// <summary>The two HTML pages: the recorded cameras (<c>/</c>) and one camera's recording and events (<c>/clips/{camera}</c>).</summary>
internal static class ClipPages
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
        a { color: #8cf; }
        table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
        th { text-align: left; padding-right: 1.5rem; color: #aaa; font-weight: normal; }
        td { padding-right: 1.5rem; font-variant-numeric: tabular-nums; }
        .note { color: #aaa; }
        """;

    private static readonly (string Label, TimeSpan Length)[] QuickClips =
        [("last 10 s", TimeSpan.FromSeconds(10)), ("last minute", TimeSpan.FromMinutes(1)), ("last 10 minutes", TimeSpan.FromMinutes(10))];

    public static string Index(IReadOnlyList<RecordedCamera> cameras, CatalogStatus status)
    {
        var html = Begin("Recorded cameras");
        html.Append("<h1>Recorded cameras</h1>\n");
        if (cameras.Count == 0)
        {
            html.Append(status.CaughtUp ? $"<p>No camera has recordings in {Encode(status.Topic)}. " : "<p>No recorded camera seen so far. ")
                .Append("The producer records a camera with <code>Cameras:{id}:Record=true</code>.</p>\n");
        }
        else
        {
            html.Append("<table>\n<tr><th>Camera</th><th>Recorded from</th><th>to</th><th>Codec</th><th>Partitions</th></tr>\n");
            foreach (var camera in cameras)
            {
                html.Append($"<tr><td><a href=\"{CameraPath(camera.Camera)}\">{Encode(camera.Camera)}</a></td>")
                    .Append($"<td>{Instants.Format(camera.First)}</td><td>{Instants.Format(camera.Last)}</td>")
                    .Append($"<td>{Encode(camera.Codec ?? "-")}</td><td>{string.Join(", ", camera.Partitions)}</td></tr>\n");
            }
            html.Append("</table>\n");
        }
        html.Append($"<p class=\"note\" id=\"catalog\">{Encode(status.Describe())}</p>\n");
        html.Append("<p class=\"note\">A clip: <code>/clips/{camera}?from=ISO-8601&amp;to=ISO-8601</code> (or Unix milliseconds).</p>\n");
        return End(html);
    }

    public static string Camera(string camera, RecordedCamera? recorded, CatalogStatus status, IReadOnlyList<PositionedEvent> events,
        string? eventsProblem, ClipsOptions options)
    {
        var html = Begin($"Camera {camera}");
        html.Append($"<h1>Camera {Encode(camera)}</h1>\n<p><a href=\"/\">All recorded cameras</a></p>\n");
        if (recorded is null)
        {
            html.Append($"<p id=\"range\">No recording of this camera in {Encode(options.VideoTopic)} (yet).</p>\n");
        }
        else
        {
            html.Append($"<p id=\"range\">{Encode(options.VideoTopic)} keeps this camera from ")
                .Append($"<time>{Instants.Format(recorded.First)}</time> to <time>{Instants.Format(recorded.Last)}</time> ")
                .Append($"({Instants.Describe(recorded.Last - recorded.First)}, {Encode(recorded.Codec ?? "unknown codec")}).</p>\n<p>Clips: ");
            var quick = QuickClips.Where(q => q.Length <= options.MaxDuration)
                .Select(q => (q.Label, From: Max(recorded.First, recorded.Last - q.Length)))
                .Select(q => $"<a href=\"{ClipHref(camera, q.From, recorded.Last)}\">{q.Label}</a>");
            html.Append(string.Join(" · ", quick)).Append("</p>\n");
        }
        html.Append($"<h2>Recent {FrameEvent.PersonAppeared} events</h2>\n");
        if (eventsProblem is not null)
        {
            html.Append($"<p>Events cannot be read: {Encode(eventsProblem)}</p>\n");
        }
        else if (events.Count == 0)
        {
            html.Append($"<p>None among the newest {options.EventsScanLimit} messages of each partition of ")
                .Append($"{Encode(options.EventsTopic)}.</p>\n");
        }
        else
        {
            html.Append("<table id=\"events\">\n<tr><th>Captured</th><th>Seen by</th><th>Clip</th></tr>\n");
            foreach (var item in events)
            {
                html.Append($"<tr><td><time>{Instants.Format(item.Time)}</time></td>")
                    .Append($"<td>{Encode(item.Event.Group ?? "-")} ({Encode(item.Event.Analyzer ?? "-")})</td>")
                    .Append($"<td><a href=\"{item.ClipPath}\">{Instants.Describe(options.EventBefore)} before to ")
                    .Append($"{Instants.Describe(options.EventAfter)} after</a></td></tr>\n");
            }
            html.Append("</table>\n");
        }
        html.Append($"<p class=\"note\" id=\"catalog\">{Encode(status.Describe())}</p>\n");
        return End(html);
    }

    public static string CameraPath(string camera) => $"/clips/{Uri.EscapeDataString(camera)}";

    /// <summary>A clip's path, its query's &amp;amp; escaped for an HTML attribute.</summary>
    public static string ClipHref(string camera, DateTimeOffset from, DateTimeOffset to) =>
        $"{CameraPath(camera)}?from={Instants.Format(from)}&amp;to={Instants.Format(to)}";

    private static StringBuilder Begin(string title) => new StringBuilder()
        .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .Append($"<title>{Encode(title)}</title>\n<style>\n{Style}\n</style>\n</head>\n<body>\n");

    private static string End(StringBuilder html) => html.Append("</body>\n</html>\n").ToString();

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
