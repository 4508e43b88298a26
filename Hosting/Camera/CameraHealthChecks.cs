using AspirePipeline.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>The health check a camera's <see cref="CameraProbe"/> calls for.</summary>
internal static class CameraHealthChecks
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static IHealthCheck For(ICameraResource camera, CameraProbe probe) => probe switch
    {
        CameraProbe.RtspDescribe => new CameraUrlHealthCheck(camera, RtspCameraProbe.ProbeAsync),
        CameraProbe.HttpGet => new CameraUrlHealthCheck(camera, HttpCameraProbe.ProbeAsync),
        _ => throw new ArgumentOutOfRangeException(nameof(probe), probe, $"Camera '{camera.Name}': no health check probes {probe}."),
    };

    /// <summary>Resolves the camera's URL (a parameter or an endpoint) at each check and hands it to the kind's probe.</summary>
    private sealed class CameraUrlHealthCheck(ICameraResource camera, Func<Uri, TimeSpan, CancellationToken, Task<HealthCheckResult>> probe)
        : IHealthCheck
    {
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

            return await probe(url, ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
    }
}
