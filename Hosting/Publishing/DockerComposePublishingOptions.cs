namespace AspirePipeline.Hosting.Publishing;

/// <summary>Settings of the Docker Compose publish step (<see cref="Aspire.Hosting.DockerComposePublishingExtensions.AddDockerComposePublishing"/>).</summary>
public sealed class DockerComposePublishingOptions
{
    /// <summary>The bridge network every service joins.</summary>
    public string NetworkName { get; set; } = "aspire";

    /// <summary>Adds an Aspire dashboard service and points every service's OTLP exporter at it.</summary>
    public bool IncludeDashboard { get; set; } = true;

    public string DashboardServiceName { get; set; } = "aspire-dashboard";

    /// <summary>The standalone dashboard image (<c>latest</c>, since which version tags the registry carries could not be checked when this was written; pin one for reproducible deployments).</summary>
    public string DashboardImage { get; set; } = "mcr.microsoft.com/dotnet/aspire-dashboard:latest";

    /// <summary>Host port of the dashboard's web UI (container port 18888).</summary>
    public int DashboardHostPort { get; set; } = 18888;

    /// <summary>
    /// Lets anyone who can reach the dashboard port open it without the login token the dashboard prints in its log,
    /// and accept OTLP without an API key. On by default, as Aspire's own compose output does; turn it off on a shared host.
    /// </summary>
    public bool DashboardAllowAnonymous { get; set; } = true;

    /// <summary>
    /// Image tag used for a project whose project file sets no <c>ContainerImageTag</c>; <c>dotnet publish -t:PublishContainer</c>
    /// tags <c>latest</c> by default.
    /// </summary>
    public string DefaultProjectImageTag { get; set; } = "latest";
}
