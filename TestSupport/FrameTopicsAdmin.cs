using AspirePipeline.Contracts;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace AspirePipeline.TestSupport;

/// <summary>
/// Creates the pipeline's topics as the AppHost declares them (every name in <see cref="FrameTopics"/>, with
/// <see cref="FrameLimits.MaxMessageBytes"/>), so a test or benchmark that runs the services without the AppHost does
/// not wait on auto-creation and cannot leave one out.
/// </summary>
public static class FrameTopicsAdmin
{
    /// <summary>Every topic the AppHost declares.</summary>
    public static IReadOnlyList<string> All { get; } =
        [FrameTopics.Frames, FrameTopics.Analysis, FrameTopics.Events, FrameTopics.Video, FrameTopics.DeadLetter];

    /// <summary>Creates one topic (a test's own name) with <paramref name="partitions"/> partitions and the frames' size limit.</summary>
    public static async Task CreateAsync(string bootstrapServers, string topic, int partitions, int maxMessageBytes = FrameLimits.MaxMessageBytes)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        await admin.CreateTopicsAsync([Specification(topic, partitions, maxMessageBytes)]).ConfigureAwait(false);
    }

    /// <summary>Creates every topic of <see cref="All"/> with <paramref name="partitions"/> partitions.</summary>
    public static async Task CreateAllAsync(string bootstrapServers, int partitions, int maxMessageBytes = FrameLimits.MaxMessageBytes)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        await admin.CreateTopicsAsync(All.Select(name => Specification(name, partitions, maxMessageBytes))).ConfigureAwait(false);
    }

    private static TopicSpecification Specification(string name, int partitions, int maxMessageBytes) => new()
    {
        Name = name,
        NumPartitions = partitions,
        ReplicationFactor = 1,
        Configs = new Dictionary<string, string>
        {
            ["max.message.bytes"] = maxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };
}
