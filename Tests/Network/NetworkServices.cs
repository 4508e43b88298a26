using System.Text.Json;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.TestSupport.Network;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Network;

/// <summary>
/// The pipeline's services as the network scenarios start them on their hosts: each its own process, configured as
/// the published deployment configures it (the connection string, the group id, the topics).
/// </summary>
internal static class NetworkServices
{
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(60);

    /// <summary>The producer on <paramref name="host"/>, reading each of <paramref name="cameras"/> from one stream.</summary>
    public static ServiceProcess StartProducer(NetworkHost host, string bootstrap, string topic, string cameraUrl,
        IReadOnlyList<string> cameras, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap,
            [ServiceEnvironment.Producer.Topic] = topic,
        };
        for (var index = 0; index < cameras.Count; index++)
        {
            environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)] = cameras[index];
            environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)] = cameraUrl;
        }
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return ServiceProcess.Start("Producer", environment, "producer", host);
    }

    /// <summary>A replica of <paramref name="group"/> (the Consumer project) on <paramref name="host"/>, named after it.</summary>
    public static ServiceProcess StartAnalysis(NetworkHost host, string bootstrap, TestTopics topics, string group,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap,
            [ServiceEnvironment.ConsumerGroup.GroupId] = group,
            [ServiceEnvironment.ConsumerGroup.FramesTopic] = topics.Frames,
            [ServiceEnvironment.ConsumerGroup.ResultsTopic] = topics.Results,
            [ServiceEnvironment.ConsumerGroup.DeadLetterTopic] = topics.DeadLetter,
            ["FrameProcessing__InstanceId"] = host.Name,
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return ServiceProcess.Start("Consumer", environment, host.Name, host);
    }

    /// <summary>The group's results so far (read on to the topic's end).</summary>
    public static List<AnalysisRecord> Records(TopicReader results, string group) =>
        [.. results.ReadToEnd(ReadDeadline)
            .Select(message => JsonSerializer.Deserialize<AnalysisRecord>(message.Message.Value, JsonSerializerOptions.Web)!)
            .Where(record => record.Group == group)];
}
