using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Pipelines;
using AspirePipeline.Hosting.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Aspire's convention for AppHost builder extensions: in Aspire.Hosting, so Program.cs needs no using.
namespace Aspire.Hosting;

/// <summary>
/// <c>aspire publish</c> to Docker Compose without Aspire.Hosting.Docker: a pipeline step that writes
/// <c>docker-compose.yaml</c> and <c>.env</c> for whatever the app model holds.
/// </summary>
public static class DockerComposePublishingExtensions
{
    /// <summary>The pipeline step's name; the well-known <c>publish</c> step requires it.</summary>
    public const string StepName = "publish-docker-compose";

    public static IDistributedApplicationBuilder AddDockerComposePublishing(
        this IDistributedApplicationBuilder builder,
        Action<DockerComposePublishingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new DockerComposePublishingOptions();
        builder.Configuration.GetSection(DockerComposePublishingOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        if (options.DashboardHostPort is < 0 or > 65535)
        {
            throw new InvalidOperationException(
                $"'{DockerComposePublishingOptions.SectionName}:DashboardHostPort' is {options.DashboardHostPort}: " +
                "use a TCP port (1-65535), or 0 for one the engine picks.");
        }

        builder.Pipeline.AddStep(
            StepName,
            context => PublishAsync(context, options),
            dependsOn: WellKnownPipelineSteps.PublishPrereq,
            requiredBy: WellKnownPipelineSteps.Publish);
        return builder;
    }

    /// <summary>Leaves the resource out of <c>docker-compose.yaml</c>; a service that references it is then a publish error.</summary>
    public static IResourceBuilder<T> ExcludeFromDockerCompose<T>(this IResourceBuilder<T> builder)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithAnnotation(new DockerComposeExcludeAnnotation());
    }

    /// <summary>
    /// Publishes a project or executable as a service running <paramref name="image"/>. Run mode is untouched: the
    /// annotation is only added when publishing, so an executable keeps running as a process locally.
    /// </summary>
    public static IResourceBuilder<T> PublishAsDockerComposeImage<T>(this IResourceBuilder<T> builder, string image, string tag = "latest")
        where T : IComputeResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            builder.WithAnnotation(new ContainerImageAnnotation { Image = image, Tag = tag }, ResourceAnnotationMutationBehavior.Replace);
        }

        return builder;
    }

    /// <summary>
    /// Declares a health check compose runs inside the container (e.g. <c>["CMD-SHELL", "nc -z localhost 9092"]</c>),
    /// so that <c>WaitFor</c> on this resource becomes <c>condition: service_healthy</c>.
    /// </summary>
    public static IResourceBuilder<T> WithDockerComposeHealthCheck<T>(
        this IResourceBuilder<T> builder,
        IReadOnlyList<string> test,
        TimeSpan? interval = null,
        TimeSpan? timeout = null,
        int retries = 10,
        TimeSpan? startPeriod = null)
        where T : IComputeResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        var annotation = new DockerComposeHealthCheckAnnotation(
            test,
            interval ?? TimeSpan.FromSeconds(5),
            timeout ?? TimeSpan.FromSeconds(5),
            retries,
            startPeriod ?? TimeSpan.FromSeconds(10));
        return builder.WithAnnotation(annotation, ResourceAnnotationMutationBehavior.Replace);
    }

    private static async Task PublishAsync(PipelineStepContext context, DockerComposePublishingOptions options)
    {
        var outputDirectory = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
        var composer = new DockerComposeComposer(
            options,
            outputDirectory,
            context.ExecutionContext,
            context.Services.GetRequiredService<IConfiguration>(),
            context.Logger);
        try
        {
            var document = await composer.ComposeAsync(context.Model, context.CancellationToken).ConfigureAwait(false);
            var files = await DockerComposeWriter.WriteAsync(document, outputDirectory, context.CancellationToken).ConfigureAwait(false);

            DockerComposeLog.Written(context.Logger, files.ComposeFile, files.EnvFile, document.Services.Count);
            context.Summary.Add("Docker Compose", files.ComposeFile);
        }
        catch (Exception ex) when (ex is DockerComposePublishException or IOException or UnauthorizedAccessException)
        {
            // Aspire logs a failed step and stops the host, but `dotnet run -- --operation publish` still exits 0;
            // a script or CI job must see the failure.
            Environment.ExitCode = 1;
            throw;
        }
    }
}
