using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// Healthy when an HTTP camera answers what ffmpeg asks first: <c>GET</c> answered <c>200</c> with a Motion JPEG
/// (<c>multipart/x-mixed-replace</c>) or JPEG body. Only the headers are read, then the stream is closed. Credentials
/// in the URL are sent as the camera asks for them (Basic or Digest), and never shown.
/// </summary>
internal static class HttpCameraProbe
{
    /// <summary>One GET, headers only, within <paramref name="timeout"/>.</summary>
    internal static async Task<HealthCheckResult> ProbeAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var safeUrl = CameraCredentials.Strip(url);
        var credentials = CameraCredentials.From(url);
        using var handler = new SocketsHttpHandler
        {
            Credentials = credentials is null ? null : new NetworkCredential(credentials.User, credentials.Password),
            PreAuthenticate = false,
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { Timeout = timeout };
        try
        {
            using var response = await client.GetAsync(safeUrl, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var type = response.Content.Headers.ContentType?.MediaType ?? "no Content-Type";
            return response.StatusCode switch
            {
                HttpStatusCode.OK when IsPicture(response.Content.Headers.ContentType)
                    => HealthCheckResult.Healthy($"{safeUrl} streams: GET answered 200 with {type}"),
                HttpStatusCode.OK => HealthCheckResult.Unhealthy(
                    $"{safeUrl} answered GET with {type}, not Motion JPEG (multipart/x-mixed-replace) or JPEG: is this the camera's video URL?"),
                HttpStatusCode.Unauthorized => HealthCheckResult.Unhealthy(
                    $"{safeUrl} asks for credentials (401): put user and password in the camera URL"),
                _ => HealthCheckResult.Unhealthy($"{safeUrl} answered GET with {(int)response.StatusCode} {response.ReasonPhrase}"),
            };
        }
        catch (Exception exception) when (exception is HttpRequestException
                                              || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = exception is TaskCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : exception.Message;
            return HealthCheckResult.Unhealthy($"{safeUrl} does not answer HTTP: {reason}", exception);
        }
    }

    private static bool IsPicture(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media
        && (media.Equals("multipart/x-mixed-replace", StringComparison.OrdinalIgnoreCase)
            || media.Equals("image/jpeg", StringComparison.OrdinalIgnoreCase));
}
