using Confluent.Kafka;

namespace AspirePipeline.Tests.Broker;

/// <summary>One in-memory broker process shared by a test class.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public BrokerProcess Broker { get; private set; } = null!;

    public string BootstrapServers => Broker.BootstrapServers;

    public async Task InitializeAsync() => Broker = await BrokerProcess.StartAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>Confluent.Kafka clients configured for a test broker, and a bounded consume helper.</summary>
internal static class KafkaTestClients
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static string UniqueTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static ProducerConfig Producer(string bootstrap, Acks acks = Acks.All) => new()
    {
        BootstrapServers = bootstrap,
        Acks = acks,
        LingerMs = 5,
        MessageTimeoutMs = 15_000,
    };

    /// <summary>An assign-only consumer (no subscribe, no commits) so these tests do not depend on the group coordinator.</summary>
    public static ConsumerConfig Consumer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = $"assign-only-{Guid.NewGuid():N}",
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        FetchWaitMaxMs = 100,
    };

    public static IAdminClient Admin(string bootstrap) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();

    public static async Task CreateTopicAsync(string bootstrap, string topic, int partitions)
    {
        using var admin = Admin(bootstrap);
        await admin.CreateTopicsAsync(
            [new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>Consumes until <paramref name="count"/> messages arrived or the deadline passes (then fails with what came).</summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeExactly<TKey, TValue>(
        IConsumer<TKey, TValue> consumer, int count, TimeSpan? deadline = null) =>
        Consume.AtLeast(consumer, count, deadline ?? Deadline);
}
