using AspirePipeline.Hosting.Kafka;

namespace AspirePipeline.AppHost;

/// <summary>The wiring every frame consumer shares, so Program.cs states only what differs between them.</summary>
internal static class PipelineResourceExtensions
{
    private const string HttpEndpointName = "http";

    public static IResourceBuilder<ProjectResource> AddFrameConsumer<TProject>(
        this IDistributedApplicationBuilder builder, string name, ConsumerGroupOptions group, PipelineOptions pipeline, IResourceBuilder<IKafkaResource> kafka)
        where TProject : IProjectMetadata, new()
    {
        var consumer = builder.AddProject<TProject>(name)
            .WithReference(kafka).WaitFor(kafka)
            .WithEnvironment("Consumer__GroupId", group.GroupId)
            .WithEnvironment("Consumer__Topic", pipeline.FramesTopic)
            .WithEnvironment("Consumer__ResultsTopic", pipeline.AnalysisTopic)
            .WithEnvironment("Consumer__DeadLetterTopic", pipeline.DeadLetterTopic)
            .WithReplicas(group.Replicas);
        return consumer.WithServiceEndpoints().WithHttpHealthCheck("/health")
            .WithUrlForEndpoint(HttpEndpointName, url => url.DisplayText = "Live view");
    }

    /// <summary>An HTTP endpoint for health and the live view, unless the project's launch profile already declares one.</summary>
    public static IResourceBuilder<ProjectResource> WithServiceEndpoints(this IResourceBuilder<ProjectResource> project) =>
        project.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == HttpEndpointName)
            ? project
            : project.WithHttpEndpoint(name: HttpEndpointName);
}
