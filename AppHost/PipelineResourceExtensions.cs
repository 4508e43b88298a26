using AspirePipeline.Hosting.Camera;
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
        // Keys of FrameProcessing's options and of the Kafka consumer integration (Aspire:Confluent:Kafka:Consumer).
        var consumer = builder.AddProject<TProject>(name)
            .WithReference(kafka).WaitFor(kafka)
            .WithEnvironment("Aspire__Confluent__Kafka__Consumer__Config__GroupId", group.GroupId)
            .WithEnvironment("FrameProcessing__Topic", pipeline.FramesTopic)
            .WithEnvironment("FrameProcessing__ResultsTopic", pipeline.AnalysisTopic)
            .WithEnvironment("FrameProcessing__DeadLetterTopic", pipeline.DeadLetterTopic)
            .WithReplicas(group.Replicas);
        if (!string.IsNullOrWhiteSpace(group.StartAt))
        {
            consumer.WithEnvironment("FrameProcessing__StartAt", group.StartAt);
        }
        if (!string.IsNullOrWhiteSpace(pipeline.HeaderlessCameraId))
        {
            consumer.WithEnvironment("HeaderlessFrames__CameraId", pipeline.HeaderlessCameraId);
        }
        return consumer.WithServiceEndpoints().WithHttpHealthCheck("/health")
            .WithUrlForEndpoint(HttpEndpointName, url => url.DisplayText = "Live view");
    }

    /// <summary>The producer's frame encoding when the pipeline sets one (the original design's JSON, say).</summary>
    public static IResourceBuilder<ProjectResource> WithFrameEncoding(this IResourceBuilder<ProjectResource> producer, string? encoding) =>
        string.IsNullOrWhiteSpace(encoding) ? producer : producer.WithEnvironment("Producer__Encoding", encoding);

    /// <summary>The producer reads every configured camera id from the camera resource's stream.</summary>
    public static IResourceBuilder<ProjectResource> WithCameras(
        this IResourceBuilder<ProjectResource> producer, IResourceBuilder<ICameraResource> camera, IReadOnlyList<string> cameraIds)
    {
        for (var index = 0; index < cameraIds.Count; index++)
        {
            producer
                .WithEnvironment($"Producer__Cameras__{index}__Id", cameraIds[index])
                .WithEnvironment($"Producer__Cameras__{index}__Url", camera);
        }

        // The reference also gives the producer ConnectionStrings__camera (the first camera's URL) and the dashboard its arrow.
        return producer.WithReference(camera).WaitFor(camera);
    }

    /// <summary>
    /// An HTTP endpoint for health and the live view, unless the project's launch profile already declares one, and a
    /// "Health" link in the dashboard to the service's checks (each check's status and description).
    /// </summary>
    // ASPIRECERTIFICATES001: WithoutHttpsCertificate is marked experimental in Aspire 13; it is the way to opt out.
#pragma warning disable ASPIRECERTIFICATES001
    public static IResourceBuilder<ProjectResource> WithServiceEndpoints(this IResourceBuilder<ProjectResource> project) =>
        (project.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == HttpEndpointName)
            ? project
            : project.WithHttpEndpoint(name: HttpEndpointName))
        .WithUrlForEndpoint(HttpEndpointName, _ => new ResourceUrlAnnotation { Url = "/health", DisplayText = "Health" })
        // The services serve plain HTTP; without this Aspire treats every project as a TLS user and the dashboard
        // opens under a "No trusted development certificate" notification on machines without a trusted dev cert.
        .WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001
}
