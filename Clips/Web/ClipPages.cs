using System.Net;
using System.Text;
using AspirePipeline.Clips.Catalog;

namespace AspirePipeline.Clips.Web;

/// <summary>The HTML page of the recorded cameras (<c>/</c>).</summary>
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

    public static string CameraPath(string camera) => $"/clips/{Uri.EscapeDataString(camera)}";

    private static StringBuilder Begin(string title) => new StringBuilder()
        .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .Append($"<title>{Encode(title)}</title>\n<style>\n{Style}\n</style>\n</head>\n<body>\n");

    private static string End(StringBuilder html) => html.Append("</body>\n</html>\n").ToString();

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
