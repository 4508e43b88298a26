using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;

namespace AspirePipeline.Tests.Reliability;

/// <summary>The pipeline's services as the reliability scenarios start them (<see cref="ServiceProcess"/>, on the tests' topics).</summary>
internal static class PipelineServices
{
    /// <summary>A consumer group's service (<c>Consumer</c> or <c>Consumer2</c>) on the test's topics, as the AppHost configures it.</summary>
    public static ServiceProcess StartGroup(string project, string bootstrap, TestTopics topics, string groupId,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = bootstrap,
            ["Aspire__Confluent__Kafka__Consumer__Config__GroupId"] = groupId,
            ["FrameProcessing__Topic"] = topics.Frames,
            ["FrameProcessing__ResultsTopic"] = topics.Results,
            ["FrameProcessing__DeadLetterTopic"] = topics.DeadLetter,
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return ServiceProcess.Start(project, environment);
    }

    /// <summary>The Producer with <paramref name="cameras"/> synthetic 1280x720 cameras <c>cam-0</c>.. at <paramref name="fps"/>.</summary>
    public static ServiceProcess StartSyntheticProducer(string bootstrap, string topic, int cameras, int fps)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = bootstrap,
            ["Producer__Topic"] = topic,
        };
        for (var camera = 0; camera < cameras; camera++)
        {
            environment[$"Producer__Cameras__{camera}__Id"] = $"cam-{camera}";
            environment[$"Producer__Cameras__{camera}__Url"] = $"synthetic://?width=1280&height=720&fps={fps}";
        }
        return ServiceProcess.Start("Producer", environment);
    }
}
