namespace AspirePipeline.AppHost;

/// <summary>
/// The deployable projects a consumer group can run in (<c>Pipeline:Groups:{name}:Project</c>). Each hosts every
/// analysis, chosen by configuration; a new deployable is one line here.
/// </summary>
internal static class ConsumerProjects
{
    private static readonly Dictionary<string, Func<IDistributedApplicationBuilder, string, IResourceBuilder<ProjectResource>>> ProjectsByName =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["Consumer"] = static (builder, name) => builder.AddProject<Projects.Consumer>(name),
            ["Consumer2"] = static (builder, name) => builder.AddProject<Projects.Consumer2>(name),
        };

    public static IResourceBuilder<ProjectResource> Add(IDistributedApplicationBuilder builder, string name, string project) =>
        ProjectsByName.TryGetValue(project, out var add)
            ? add(builder, name)
            : throw new InvalidOperationException(
                $"'{PipelineOptions.SectionName}:Groups:{name}:Project' is '{project}': " +
                $"use one of {string.Join(", ", ProjectsByName.Keys)} (the deployable consumer projects).");
}
