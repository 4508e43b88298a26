using AspirePipeline.Clips.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AspirePipeline.Clips.Web;

/// <summary><c>GET /</c>: the recorded cameras.</summary>
internal static class ClipEndpoints
{
    private const string Html = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapClipEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (RecordingCatalog catalog) => Results.Content(ClipPages.Index(catalog.Cameras(), catalog.Status()), Html));
        return endpoints;
    }
}
