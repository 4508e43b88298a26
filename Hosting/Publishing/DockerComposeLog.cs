using Microsoft.Extensions.Logging;

namespace AspirePipeline.Hosting.Publishing;

internal static partial class DockerComposeLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Wrote {ComposeFile} and {EnvFile} with {ServiceCount} services")]
    public static partial void Written(ILogger logger, string composeFile, string envFile, int serviceCount);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug,
        Message = "Resource {ResourceName} is excluded from publishing; no compose service written for it")]
    public static partial void Excluded(ILogger logger, string resourceName);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "Resource {ResourceName} ({ResourceType}) has no container image for publishing, so it is left out of the compose file; " +
            "give it one with PublishAsDockerComposeImage(...) or exclude it with ExcludeFromDockerCompose()")]
    public static partial void SkippedWithoutImage(ILogger logger, string resourceName, string resourceType);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning,
        Message = "Resource {ResourceName} bind-mounts host path {Source}; it must exist on the machine that runs docker compose")]
    public static partial void BindMount(ILogger logger, string resourceName, string source);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information,
        Message = "Resource {ResourceName} waits for {TargetName} to be healthy, but {TargetName} has no compose health check; " +
            "depends_on uses service_started")]
    public static partial void NoHealthCheck(ILogger logger, string resourceName, string targetName);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning,
        Message = "Resource {ResourceName} has container runtime arguments, which compose cannot express; they are not written")]
    public static partial void RuntimeArgsIgnored(ILogger logger, string resourceName);
}
