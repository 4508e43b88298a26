using AspirePipeline.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>The health check a camera's <see cref="CameraProbe"/> calls for.</summary>
internal static class CameraHealthChecks
{
    public static IHealthCheck For(ICameraResource camera, CameraProbe probe) => probe switch
    {
        CameraProbe.RtspDescribe => new RtspHealthCheck(camera),
        CameraProbe.HttpGet => new HttpCameraHealthCheck(camera),
        _ => throw new ArgumentOutOfRangeException(nameof(probe), probe, $"Camera '{camera.Name}': no health check probes {probe}."),
    };

    /// <summary>The camera's URL, or an Unhealthy result saying why there is none.</summary>
    public static async Task<(Uri? Url, HealthCheckResult Problem)> UrlAsync(ICameraResource camera, CancellationToken cancellationToken)
    {
        try
        {
            return (new Uri(await camera.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"'{camera.Name}' has no URL.")), default);
        }
        catch (Exception exception) when (exception is InvalidOperationException or UriFormatException)
        {
            return (null, HealthCheckResult.Unhealthy($"The URL of '{camera.Name}' is not available: {exception.Message}", exception));
        }
    }
}
