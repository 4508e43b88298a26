namespace AspirePipeline.Hosting.Publishing;

/// <summary>
/// Settings of the Docker Compose publish step (<see cref="Aspire.Hosting.DockerComposePublishingExtensions.AddDockerComposePublishing"/>),
/// bound from the AppHost's configuration section <c>DockerCompose</c> (e.g. <c>--DockerCompose:DashboardHostPort=28888</c>)
/// before the code's own <c>configure</c> callback runs.
/// </summary>
public sealed class DockerComposePublishingOptions
{
    public const string SectionName = "DockerCompose";

    /// <summary>The bridge network every service joins.</summary>
    public string NetworkName { get; set; } = "aspire";

    /// <summary>Adds an Aspire dashboard service and points every service's OTLP exporter at it.</summary>
    public bool IncludeDashboard { get; set; } = true;

    public string DashboardServiceName { get; set; } = "aspire-dashboard";

    /// <summary>
    /// The standalone dashboard image, pinned to a published release (telemetry only: any 13.x dashboard reads the
    /// services' OTLP).
    /// </summary>
    public string DashboardImage { get; set; } = "mcr.microsoft.com/dotnet/aspire-dashboard:13.5.2";

    /// <summary>Host port of the dashboard's web UI (container port 18888); 0 lets the engine pick a free one.</summary>
    public int DashboardHostPort { get; set; } = 18888;

    /// <summary>
    /// Host address the dashboard's web UI is published on: empty for every interface, <c>127.0.0.1</c> to keep it on
    /// the deployment host (reach it through an SSH tunnel or a reverse proxy).
    /// </summary>
    public string? DashboardHostAddress { get; set; }

    /// <summary>
    /// Lets anyone who can reach the dashboard port open it without logging in. Off by default: the dashboard then asks
    /// for the login token it prints in its log (<c>docker compose logs aspire-dashboard</c>). The OTLP endpoints are not
    /// published on the host and accept telemetry from the compose network without a key either way.
    /// </summary>
    public bool DashboardAllowAnonymous { get; set; }

    /// <summary>
    /// Image tag used for a project whose project file sets no <c>ContainerImageTag</c>; containers/build-images.sh
    /// tags <c>latest</c> by default.
    /// </summary>
    public string DefaultProjectImageTag { get; set; } = "latest";
}
