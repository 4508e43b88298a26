using System.Text;
using System.Text.Json;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker.Clients;

/// <summary>kcat (Debian's, librdkafka underneath) as a child process: metadata, produce with keys and headers, consume, group mode.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class KcatClientTests(ClientsBrokerFixture broker) : IClassFixture<ClientsBrokerFixture>
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);

    private string Bootstrap => broker.BootstrapServers;

    private Task<ProcessResult> KcatAsync(string? standardInput, params string[] arguments) =>
        ClientProcess.RunAsync("kcat", ["-b", Bootstrap, .. arguments], ClientTimeout, standardInput);

    private static List<SeenMessage> ParseJsonEnvelopes(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            var m = document.RootElement;
            var headers = new Dictionary<string, string>();
            if (m.TryGetProperty("headers", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                var flat = list.EnumerateArray().Select(h => h.GetString()!).ToArray();
                for (var i = 0; i + 1 < flat.Length; i += 2)
                {
                    headers[flat[i]] = flat[i + 1];
                }
            }

            return new SeenMessage(m.GetProperty("partition").GetInt32(), m.GetProperty("offset").GetInt64(),
                m.GetProperty("key").GetString(), m.GetProperty("payload").GetString()!, headers);
        })];

    [Fact]
    public async Task Metadata_lists_the_broker_and_the_topic_partitions()
    {
        var topic = $"kcat-{Guid.NewGuid():N}";
        await DotnetKafka.CreateTopicAsync(Bootstrap, topic, partitions: 3);

        var output = (await KcatAsync(null, "-L", "-J", "-t", topic)).EnsureSuccess("kcat -L").StandardOutput;

        using var metadata = JsonDocument.Parse(output);
        var brokerEntry = Assert.Single(metadata.RootElement.GetProperty("brokers").EnumerateArray());
        Assert.Equal(Bootstrap, brokerEntry.GetProperty("name").GetString());
        var topicEntry = Assert.Single(metadata.RootElement.GetProperty("topics").EnumerateArray());
        Assert.Equal(topic, topicEntry.GetProperty("topic").GetString());
        Assert.Equal([0, 1, 2],
            topicEntry.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("partition").GetInt32()).Order());
        Assert.All(topicEntry.GetProperty("partitions").EnumerateArray(),
            p => Assert.Equal(brokerEntry.GetProperty("id").GetInt32(), p.GetProperty("leader").GetInt32()));
    }

    [Fact]
    public async Task Produced_keys_values_and_headers_reach_confluent_kafka()
    {
        var topic = $"kcat-{Guid.NewGuid():N}";
        await DotnetKafka.CreateTopicAsync(Bootstrap, topic, partitions: 3);
        var input = new StringBuilder();
        for (var i = 0; i < 20; i++)
        {
            input.Append($"k-key-{i}:k-value-{i}\n");
        }

        // kcat applies -H headers to every message; the index header is checked through the key instead.
        (await KcatAsync(input.ToString(), "-P", "-t", topic, "-K", ":", "-H", "origin=kcat", "-H", "run=1")).EnsureSuccess("kcat -P");

        var seen = DotnetKafka.ReadAll(Bootstrap, topic, expected: 20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"k-value-{i}").Order(), seen.Select(m => m.Value).Order());
        Assert.All(seen, m =>
        {
            Assert.Equal(m.Value.Replace("-value-", "-key-", StringComparison.Ordinal), m.Key);
            Assert.Equal("kcat", m.Headers["origin"]);
            Assert.Equal("1", m.Headers["run"]);
        });
    }

    [Fact]
    public async Task Consumer_reads_confluent_kafka_messages_from_the_beginning()
    {
        var topic = $"kcat-{Guid.NewGuid():N}";
        await DotnetKafka.CreateTopicAsync(Bootstrap, topic, partitions: 3);
        var acked = await DotnetKafka.ProduceAsync(Bootstrap, topic, "d", count: 20);

        var output = (await KcatAsync(null, "-C", "-t", topic, "-o", "beginning", "-e", "-J")).EnsureSuccess("kcat -C").StandardOutput;

        var seen = ParseJsonEnvelopes(output);
        DotnetKafka.AssertExactly(seen, "d", 20, "dotnet");
        Assert.Equal(acked.Order(), seen.Select(m => (m.Partition, m.Offset)).Order());
    }

    [Fact]
    public async Task Group_mode_consumes_every_message_and_commits_on_exit()
    {
        var topic = $"kcat-{Guid.NewGuid():N}";
        var group = $"kcat-group-{Guid.NewGuid():N}";
        await DotnetKafka.CreateTopicAsync(Bootstrap, topic, partitions: 3);
        await DotnetKafka.ProduceAsync(Bootstrap, topic, "g", count: 15);

        var output = (await KcatAsync(null, "-G", group, "-X", "auto.offset.reset=earliest", "-c", "15", "-J", topic))
            .EnsureSuccess("kcat -G").StandardOutput;

        DotnetKafka.AssertExactly(ParseJsonEnvelopes(output), "g", 15, "dotnet");
        var committed = await DotnetKafka.CommittedAsync(Bootstrap, group, topic);
        Assert.Equal(DotnetKafka.HighWatermarks(Bootstrap, topic).Where(w => w.Value > 0).OrderBy(w => w.Key), committed.OrderBy(c => c.Key));
    }
}
