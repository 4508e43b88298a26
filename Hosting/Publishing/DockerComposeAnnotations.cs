using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Publishing;

/// <summary>Keeps a resource out of the Docker Compose output while leaving it in run mode and other publishers.</summary>
public sealed class DockerComposeExcludeAnnotation : IResourceAnnotation;

/// <summary>
/// A compose <c>healthcheck</c> for a service. Aspire's own health checks run inside the AppHost, which does not
/// exist in a compose deployment, so a check compose can run has to be declared separately; with it,
/// <c>WaitFor</c> becomes <c>condition: service_healthy</c>.
/// </summary>
public sealed class DockerComposeHealthCheckAnnotation : IResourceAnnotation
{
    public DockerComposeHealthCheckAnnotation(IReadOnlyList<string> test, TimeSpan interval, TimeSpan timeout, int retries, TimeSpan startPeriod)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0)
        {
            throw new ArgumentException(
                "A compose health check needs a command, e.g. [\"CMD\", \"curl\", \"-f\", \"http://localhost/health\"].", nameof(test));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(retries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(startPeriod, TimeSpan.Zero);
        Test = test;
        Interval = interval;
        Timeout = timeout;
        Retries = retries;
        StartPeriod = startPeriod;
    }

    /// <summary>Compose <c>test</c>: starts with <c>CMD</c> or <c>CMD-SHELL</c>.</summary>
    public IReadOnlyList<string> Test { get; }

    public TimeSpan Interval { get; }

    public TimeSpan Timeout { get; }

    public int Retries { get; }

    public TimeSpan StartPeriod { get; }
}
