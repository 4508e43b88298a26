using System.Text.Json;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>
/// The same scenarios for every scripted client (Tests/Clients/*): its admin creates a topic, its producer's messages
/// reach Confluent.Kafka intact, and its group consumer receives Confluent.Kafka's messages, commits, and resumes after
/// them with nothing lost and nothing repeated. Each runs the real client as a child process against the broker process.
/// </summary>
public abstract class ScriptClientTests(ClientsBrokerFixture broker)
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Header value the client's producer sets as "origin".</summary>
    protected abstract string Origin { get; }

    protected abstract string Program { get; }

    protected abstract string Script { get; }

    private string Bootstrap => broker.BootstrapServers;

    private async Task<string> RunClientAsync(params string[] arguments)
    {
        var result = await ClientProcess.RunAsync(
            Program, [Path.Combine(RepositoryPaths.Clients, Script), .. arguments, "--bootstrap", Bootstrap], ClientTimeout);
        return result.EnsureSuccess($"{Script} {arguments[0]}").StandardOutput;
    }

    private string NewTopic() => $"{Origin}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Admin_creates_a_topic_with_the_requested_partitions()
    {
        var topic = NewTopic();
        var output = await RunClientAsync("create-topic", "--topic", topic, "--partitions", "4");
        Assert.Contains(topic, output, StringComparison.Ordinal);
        Assert.Equal(4, DotnetKafka.PartitionCount(Bootstrap, topic));
    }

    [Fact]
    public async Task Produced_messages_reach_confluent_kafka_with_keys_values_and_headers()
    {
        var topic = NewTopic();
        await DotnetKafka.CreateTopicAsync(Bootstrap, topic, partitions: 3);
        var output = await RunClientAsync("produce", "--topic", topic, "--count", "30", "--prefix", "p");

        var seen = DotnetKafka.ReadAll(Bootstrap, topic, expected: 30);
        DotnetKafka.AssertExactly(seen, "p", 30, Origin);
        Assert.True(seen.Select(m => m.Partition).Distinct().Count() > 1, "30 keyed messages should spread over several partitions");

        // Where the producer was told each batch landed is where the messages are.
        using var acked = JsonDocument.Parse(output);
        foreach (var ack in acked.RootElement.GetProperty("acked").EnumerateArray())
        {
            var partition = ack.GetProperty("partition").GetInt32();
            var offset = ack.GetProperty("offset").GetInt64();
            Assert.Contains(seen, m => m.Partition == partition && m.Offset == offset);
        }
    }

    [Fact]
    public async Task Group_consumer_commits_and_resumes_with_no_loss_and_no_duplicates()
    {
        var topic = NewTopic();
        var group = $"group-{Guid.NewGuid():N}";
        await DotnetKafka.CreateTopicAsync(Bootstrap, topic, partitions: 3);
        await DotnetKafka.ProduceAsync(Bootstrap, topic, "c", count: 24);

        var first = SeenMessage.FromClientJson(await RunClientAsync("consume", "--topic", topic, "--group", group, "--count", "24"));
        DotnetKafka.AssertExactly(first, "c", 24, "dotnet");
        var committed = await DotnetKafka.CommittedAsync(Bootstrap, group, topic);
        Assert.Equal(DotnetKafka.HighWatermarks(Bootstrap, topic).Where(w => w.Value > 0).OrderBy(w => w.Key), committed.OrderBy(c => c.Key));

        await DotnetKafka.ProduceAsync(Bootstrap, topic, "c", count: 6, first: 24);
        var second = SeenMessage.FromClientJson(await RunClientAsync("consume", "--topic", topic, "--group", group, "--count", "6"));
        DotnetKafka.AssertExactly(second, "c", 6, "dotnet", first: 24);
    }
}

[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ConfluentPythonClientTests(ClientsBrokerFixture broker) : ScriptClientTests(broker), IClassFixture<ClientsBrokerFixture>
{
    protected override string Origin => "confluent-python";

    protected override string Program => "/usr/bin/python3";

    protected override string Script => "confluent_python_client.py";
}

[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class KafkaJsClientTests(ClientsBrokerFixture broker) : ScriptClientTests(broker), IClassFixture<ClientsBrokerFixture>
{
    protected override string Origin => "kafkajs";

    protected override string Program => "node";

    protected override string Script => "kafkajs_client.js";
}
