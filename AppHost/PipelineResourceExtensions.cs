using System.Globalization;
using AspirePipeline.Contracts;
using AspirePipeline.Contracts.Scene;
using AspirePipeline.Hosting;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Hosting.Kafka;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.AppHost;

/// <summary>The wiring every frame consumer shares, so Program.cs states only what differs between them.</summary>
internal static class PipelineResourceExtensions
{
    private const string HttpEndpointName = "http";

    /// <summary>
    /// One consumer group of <c>Pipeline:Groups</c> as its own resource: the project that hosts it, its Kafka group id,
    /// analysis, replicas, cameras and further settings, all passed as the service's configuration, with the zones and
    /// lines of each of <paramref name="cameras"/> it watches; its live view links events to their clips at
    /// <paramref name="clips"/>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddConsumerGroup(
        this IDistributedApplicationBuilder builder, string name, ConsumerGroupOptions group, PipelineOptions pipeline,
        IResourceBuilder<IKafkaResource> kafka, IResourceBuilder<ProjectResource> clips,
        IReadOnlyList<IResourceBuilder<ICameraResource>> cameras)
    {
        // Keys of FrameProcessing's options and of the Kafka consumer integration (Aspire:Confluent:Kafka:Consumer).
        var consumer = ConsumerProjects.Add(builder, name, group.Project)
            .WithAnnotation(new ConsumerGroupAnnotation(group.GroupId, group.Analyzer, group.Cameras))
            .WithReference(kafka).WaitFor(kafka)
            .WithEnvironment(ServiceEnvironment.ConsumerGroup.GroupId, group.GroupId)
            .WithEnvironment(ServiceEnvironment.ConsumerGroup.FramesTopic, pipeline.FramesTopic)
            .WithEnvironment(ServiceEnvironment.ConsumerGroup.ResultsTopic, pipeline.AnalysisTopic)
            .WithEnvironment(ServiceEnvironment.ConsumerGroup.DeadLetterTopic, pipeline.DeadLetterTopic)
            .WithEnvironment(ServiceEnvironment.ConsumerGroup.EventsTopic, pipeline.EventsTopic)
            // The live view links each event to its clip there.
            .WithEnvironment(ServiceEnvironment.ConsumerGroup.ClipsUrl, clips.GetEndpoint(HttpEndpointName))
            .WithReplicas(group.Replicas);
        if (!string.IsNullOrWhiteSpace(group.Analyzer))
        {
            consumer.WithEnvironment(ServiceEnvironment.ConsumerGroup.Analyzer, group.Analyzer);
        }
        for (var index = 0; index < group.Cameras.Count; index++)
        {
            consumer.WithEnvironment(ServiceEnvironment.ConsumerGroup.Camera(index), group.Cameras[index]);
        }
        if (group.Fps > 0)
        {
            consumer.WithEnvironment(ServiceEnvironment.ConsumerGroup.Fps, group.Fps.ToString(CultureInfo.InvariantCulture));
        }
        if (!string.IsNullOrWhiteSpace(group.StartAt))
        {
            consumer.WithEnvironment(ServiceEnvironment.ConsumerGroup.StartAt, group.StartAt);
        }
        if (!string.IsNullOrWhiteSpace(pipeline.HeaderlessCameraId))
        {
            consumer.WithEnvironment(ServiceEnvironment.ConsumerGroup.HeaderlessCameraId, pipeline.HeaderlessCameraId);
        }
        foreach (var (key, value) in group.Settings)
        {
            consumer.WithEnvironment(ServiceEnvironment.FromKey(key), value);
        }
        consumer.WithScenes(cameras.Where(camera => group.Cameras.Count == 0
            || group.Cameras.Contains(camera.Resource.Name, StringComparer.Ordinal)));
        return consumer.WithServiceEndpoints().WithHttpHealthCheck("/health")
            .WithUrlForEndpoint(HttpEndpointName, url => url.DisplayText = "Live view");
    }

    /// <summary>
    /// The zones, lines and motion masks of each camera a group watches, as <c>Scene:Cameras:{id}:Zones:...</c>,
    /// <c>...:Lines:...</c> and <c>...:MotionMasks:...</c>
    /// (<see cref="CameraScene.ServiceSectionName"/>), the keys its service reads back; a camera without any adds none.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithScenes(
        this IResourceBuilder<ProjectResource> consumer, IEnumerable<IResourceBuilder<ICameraResource>> cameras)
    {
        foreach (var camera in cameras)
        {
            if (camera.Resource.Annotations.OfType<CameraSceneAnnotation>().LastOrDefault() is not { } annotation)
            {
                continue;
            }
            foreach (var (key, value) in annotation.Scene.ToConfiguration($"{CameraScene.ServiceSectionName}:{camera.Resource.Name}"))
            {
                consumer.WithEnvironment(ServiceEnvironment.FromKey(key), value);
            }
        }
        return consumer;
    }

    /// <summary>
    /// The clips service: MP4 clips of the recordings (<see cref="PipelineOptions.VideoTopic"/>) by time range and around
    /// each event (<see cref="PipelineOptions.EventsTopic"/>), remuxed, never re-encoded; its page lists the cameras.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddClips(
        this IDistributedApplicationBuilder builder, PipelineOptions pipeline, IResourceBuilder<IKafkaResource> kafka) =>
        builder.AddProject<Projects.Clips>("clips")
            .WithReference(kafka).WaitFor(kafka)
            .WithEnvironment(ServiceEnvironment.Clips.VideoTopic, pipeline.VideoTopic)
            .WithEnvironment(ServiceEnvironment.Clips.EventsTopic, pipeline.EventsTopic)
            .WithServiceEndpoints()
            .WithHttpHealthCheck("/health")
            .WithUrlForEndpoint(HttpEndpointName, url => url.DisplayText = "Recordings");

    /// <summary>The producer's frame encoding when the pipeline sets one (the original design's JSON, say).</summary>
    public static IResourceBuilder<ProjectResource> WithFrameEncoding(this IResourceBuilder<ProjectResource> producer, string? encoding) =>
        string.IsNullOrWhiteSpace(encoding) ? producer : producer.WithEnvironment(ServiceEnvironment.Producer.Encoding, encoding);

    /// <summary>The producer reads every camera, one reader each, publishing under the camera's resource name.</summary>
    public static IResourceBuilder<ProjectResource> WithCameras(
        this IResourceBuilder<ProjectResource> producer, IReadOnlyList<IResourceBuilder<ICameraResource>> cameras)
    {
        for (var index = 0; index < cameras.Count; index++)
        {
            var camera = cameras[index];
            producer
                .WithEnvironment(ServiceEnvironment.Producer.Camera(index, CameraSetting.Id), camera.Resource.Name)
                .WithEnvironment(ServiceEnvironment.Producer.Camera(index, CameraSetting.Url), camera)
                // Each reference also gives the dashboard its arrow, and WaitFor holds the producer until the camera streams.
                .WithReference(camera).WaitFor(camera);
            if (camera.Resource.Annotations.OfType<CameraStreamAnnotation>().LastOrDefault() is not { } stream)
            {
                continue;
            }
            if (stream.Record)
            {
                producer.WithEnvironment(ServiceEnvironment.Producer.Camera(index, CameraSetting.Record), "true");
            }
            if (stream.AnalysisFps is { } fps)
            {
                producer.WithEnvironment(ServiceEnvironment.Producer.Camera(index, CameraSetting.Fps), fps.ToString(CultureInfo.InvariantCulture));
            }
            if (stream.AnalysisWidth is { } width)
            {
                producer.WithEnvironment(ServiceEnvironment.Producer.Camera(index, CameraSetting.Width),
                    width.ToString(CultureInfo.InvariantCulture));
            }
        }
        return producer;
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
