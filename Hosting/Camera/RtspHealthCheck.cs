using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// Healthy when the camera's RTSP server answers an OPTIONS request with an RTSP status line. OPTIONS rather than
/// DESCRIBE: it needs no credentials on real cameras and does not make the simulator build a media pipeline per probe.
/// </summary>
internal sealed class RtspHealthCheck(ICameraResource camera) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Uri url;
        try
        {
            url = new Uri(await camera.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"'{camera.Name}' has no URL."));
        }
        catch (Exception exception) when (exception is InvalidOperationException or UriFormatException)
        {
            return HealthCheckResult.Unhealthy($"The URL of '{camera.Name}' is not available: {exception.Message}", exception);
        }

        // Never echo credentials from a real camera's URL into the dashboard.
        var safeUrl = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(url.Host, url.Port is > 0 ? url.Port : 554, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var request = Encoding.ASCII.GetBytes($"OPTIONS {safeUrl} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: AspirePipeline.AppHost\r\n\r\n");
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);

            var buffer = new byte[512];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            var statusLine = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n", 2)[0];
            return statusLine.StartsWith("RTSP/1.0 ", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy($"{safeUrl} answers: {statusLine}")
                : HealthCheckResult.Unhealthy($"{safeUrl} answered something other than RTSP: '{statusLine}'");
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{safeUrl} does not answer RTSP: {exception.Message}", exception);
        }
    }
}
