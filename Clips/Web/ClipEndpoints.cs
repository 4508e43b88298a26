using AspirePipeline.Clips.Catalog;
using AspirePipeline.Clips.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Web;

/// <summary>
/// <c>GET /</c> (recorded cameras), <c>GET /clips/{camera}</c> (its page; with <c>from</c> and <c>to</c>, its clip) and
/// <c>GET /events/{partition}/{offset}/clip</c> (an event's clip). Refusals are problem details (RFC 9457) whose detail
/// says what the recording holds and what to ask instead.
/// </summary>
internal static class ClipEndpoints
{
    private const string Html = "text/html; charset=utf-8";
    private const string Mp4 = "video/mp4";

    public static IEndpointRouteBuilder MapClipEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (RecordingCatalog catalog) => Results.Content(ClipPages.Index(catalog.Cameras(), catalog.Status()), Html));
        endpoints.MapGet("/clips/{camera}", CameraAsync);
        endpoints.MapGet("/events/{partition:int}/{offset:long}/clip", EventClipAsync);
        return endpoints;
    }

    private static async Task<IResult> CameraAsync(string camera, string? from, string? to, HttpContext context, ClipService clips,
        RecordingCatalog catalog, EventReader events, IOptions<ClipsOptions> options, IHostApplicationLifetime lifetime)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            if (from is null && to is null)
            {
                return await PageAsync(camera, catalog, clips, events, options.Value, stop.Token);
            }
            if (from is null || to is null)
            {
                throw ClipException.BadRequest($"Give both from and to (ISO 8601 instants such as {Instants.Example}, or Unix milliseconds), "
                    + $"or neither for the camera's page.");
            }
            var start = Parse("from", from);
            var end = Parse("to", to);
            var clip = await clips.MakeAsync(camera, start, end, stop.Token);
            ClipHeaders.Write(context.Response, clip, options.Value);
            // The result disposes the stream once sent, which deletes the temporary MP4.
            return Results.File(clip.Mp4, Mp4);
        }
        catch (ClipException exception)
        {
            return Problem(exception);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left (or the service stops): nobody reads an answer.
            return Results.Empty;
        }
    }

    private static async Task<IResult> EventClipAsync(int partition, long offset, HttpContext context, ClipService clips, EventReader events,
        IOptions<ClipsOptions> options, IHostApplicationLifetime lifetime)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            var found = await Task.Factory.StartNew(() => events.ReadAt(partition, offset, stop.Token), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var settings = options.Value;
            var clip = await clips.MakeAsync(found.Camera, found.Time - settings.EventBefore, found.Time + settings.EventAfter, stop.Token);
            ClipHeaders.Write(context.Response, clip, settings);
            context.Response.Headers[ClipHeaders.Event] = ClipHeaders.Ascii(
                $"{found.Event.Type ?? "event"} at {Instants.Format(found.Time)} ({settings.EventsTopic} partition {partition} offset {offset})");
            return Results.File(clip.Mp4, Mp4);
        }
        catch (ClipException exception)
        {
            return Problem(exception);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }

    private static async Task<IResult> PageAsync(string camera, RecordingCatalog catalog, ClipService clips, EventReader events,
        ClipsOptions options, CancellationToken cancellationToken)
    {
        var recorded = catalog.Find(camera);
        var status = catalog.Status();
        IReadOnlyList<PositionedEvent> recent = [];
        string? eventsProblem = null;
        try
        {
            recent = await Task.Factory.StartNew(() => events.Recent(camera, FrameEvent.PersonAppeared, cancellationToken), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch (ClipException exception)
        {
            eventsProblem = exception.Message;
        }
        if (recorded is null && recent.Count == 0 && status.CaughtUp)
        {
            throw clips.UnknownCamera(camera);
        }
        return Results.Content(ClipPages.Camera(camera, recorded, status, recent, eventsProblem, options), Html);
    }

    private static DateTimeOffset Parse(string name, string text) =>
        Instants.TryParse(name, text, out var instant, out var error) ? instant : throw ClipException.BadRequest(error!);

    private static IResult Problem(ClipException exception) =>
        Results.Problem(detail: exception.Message, statusCode: exception.StatusCode, title: exception.Title);
}
