namespace AspirePipeline.Hosting.Publishing;

/// <summary>What gets written: the services and top-level objects of a compose file, plus the <c>.env</c> entries.</summary>
internal sealed class ComposeDocument(string networkName)
{
    public string NetworkName { get; } = networkName;

    /// <summary>In model order, which keeps the written file stable from one publish to the next.</summary>
    public List<ComposeService> Services { get; } = [];

    public SortedSet<string> NamedVolumes { get; } = new(StringComparer.Ordinal);

    public List<ComposeEnvEntry> EnvEntries { get; } = [];

    /// <summary>Files bind-mounted into services, copied next to the compose file (relative path → source file).</summary>
    public SortedDictionary<string, string> BundledFiles { get; } = new(StringComparer.Ordinal);
}

internal sealed class ComposeService(string name, string resourceName)
{
    public string Name { get; } = name;

    /// <summary>The app-model resource this service came from, for error messages.</summary>
    public string ResourceName { get; } = resourceName;

    public string? Image { get; set; }

    public ComposeBuild? Build { get; set; }

    public List<string>? Entrypoint { get; set; }

    public List<string> Command { get; } = [];

    public List<KeyValuePair<string, string>> Environment { get; } = [];

    public List<string> Ports { get; } = [];

    public List<string> Expose { get; } = [];

    public List<string> Volumes { get; } = [];

    /// <summary>Service name → compose condition.</summary>
    public List<KeyValuePair<string, string>> DependsOn { get; } = [];

    public int Replicas { get; set; } = 1;

    public DockerComposeHealthCheckAnnotation? HealthCheck { get; set; }

    /// <summary>Off for one-shot services others wait to complete: restarting them would never let them finish.</summary>
    public bool RestartUnlessStopped { get; set; } = true;
}

/// <summary>A <c>.env</c> line with the comment above it; secrets carry no value.</summary>
internal sealed record ComposeEnvEntry(string Name, string Comment, string Value);

/// <summary>A compose <c>build</c> section: context relative to the compose file, Dockerfile relative to the context.</summary>
internal sealed record ComposeBuild(string Context, string Dockerfile, string? Target)
{
    public List<KeyValuePair<string, string>> Args { get; } = [];
}
