using AspirePipeline.Contracts;
using AspirePipeline.TestSupport.Network;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Tests.Reliability;

/// <summary>The pipeline's services as the reliability scenarios start them (<see cref="ServiceProcess"/>, on the tests' topics).</summary>
internal static class PipelineServices
{
    /// <summary>
    /// A consumer group's service (<c>Consumer</c> or <c>Consumer2</c>) on the test's topics, as the AppHost configures it;
    /// on <paramref name="host"/> of a test network when given, named after it (its processes and its results' instance).
    /// </summary>
    public static ServiceProcess StartGroup(string project, string bootstrap, TestTopics topics, string groupId,
        IReadOnlyDictionary<string, string>? settings = null, NetworkHost? host = null)
    {
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap,
            [ServiceEnvironment.ConsumerGroup.GroupId] = groupId,
            [ServiceEnvironment.ConsumerGroup.FramesTopic] = topics.Frames,
            [ServiceEnvironment.ConsumerGroup.ResultsTopic] = topics.Results,
            [ServiceEnvironment.ConsumerGroup.DeadLetterTopic] = topics.DeadLetter,
        };
        if (host is not null)
        {
            environment[ServiceEnvironment.ConsumerGroup.InstanceId] = host.Name;
        }
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return ServiceProcess.Start(project, environment, host?.Name, host);
    }

    /// <summary>The Producer with <paramref name="cameras"/> synthetic 1280x720 cameras <c>cam-0</c>.. at <paramref name="fps"/>.</summary>
    public static ServiceProcess StartSyntheticProducer(string bootstrap, string topic, int cameras, int fps)
    {
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap,
            [ServiceEnvironment.Producer.Topic] = topic,
        };
        for (var camera = 0; camera < cameras; camera++)
        {
            environment[ServiceEnvironment.Producer.Camera(camera, CameraSetting.Id)] = $"cam-{camera}";
            environment[ServiceEnvironment.Producer.Camera(camera, CameraSetting.Url)] = $"synthetic://?width=1280&height=720&fps={fps}";
        }
        return ServiceProcess.Start("Producer", environment);
    }
}
