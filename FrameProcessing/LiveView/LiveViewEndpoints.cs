using System.Text;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames.Diagnostics;
using AspirePipeline.KafkaClient;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary><c>/</c> (page), <c>/video.mjpeg</c> (multipart MJPEG of overlay frames) and <c>/stats</c> (JSON).</summary>
internal static class LiveViewEndpoints
{
    public const string Boundary = "frame";

    public static IEndpointRouteBuilder MapLiveView(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Results.Content(LiveViewPage.Html, "text/html; charset=utf-8"));
        endpoints.MapGet("/stats", (ConsumerIdentity identity, ProcessingStatistics statistics, FrameProcessingTelemetry telemetry,
                KafkaClientMetrics kafka, RecentEvents events, IOptions<LiveViewOptions> liveView) =>
            Results.Json(new LiveStats(identity.GroupId, identity.Analyzer, identity.InstanceId, identity.Topic,
                statistics.Latest, telemetry.Stages.Snapshot(), ThreadCpuClock.ClockName)
            {
                Kafka = kafka.LatestConsumerFetchState(),
                RecentEvents = events.Snapshot(),
                ClipsUrl = liveView.Value.ClipsUrl,
                Scenes = [.. telemetry.LatestScenes.OrderBy(pair => pair.Key, StringComparer.Ordinal)
                    .Select(pair => LiveScene.From(pair.Key, pair.Value))],
            }, FrameProcessingJsonContext.Default.LiveStats));
        endpoints.MapGet("/video.mjpeg", StreamAsync);
        return endpoints;
    }

    private static async Task StreamAsync(HttpContext context, LiveFrameHub hub, IHostApplicationLifetime lifetime)
    {
        // A stream never ends by itself: stop it when the client leaves or the service shuts down, or Kestrel would
        // wait out its shutdown timeout.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var response = context.Response;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers.Pragma = "no-cache";

        using var viewer = hub.AddViewer();
        long version = 0;
        try
        {
            // Send the headers now: a viewer should see the stream open before the first frame exists.
            await response.StartAsync(stop.Token);
            await response.Body.FlushAsync(stop.Token);
            while (!stop.IsCancellationRequested)
            {
                var frame = await hub.NextFrameAsync(version, stop.Token);
                version = frame.Version;
                var header = Encoding.ASCII.GetBytes(
                    $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {frame.Jpeg.Length}\r\n\r\n");
                await response.Body.WriteAsync(header, stop.Token);
                await response.Body.WriteAsync(frame.Jpeg, stop.Token);
                await response.Body.WriteAsync("\r\n"u8.ToArray(), stop.Token);
                await response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
