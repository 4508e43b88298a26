using System.Text;
using System.Text.Json;
using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using FrameSource = AspirePipeline.Tests.Consumers.FrameSource;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// Scenario 4: garbage on the frames topic, read by both consumer services running as their own processes, and a
/// message over the broker's size limit.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class PoisonMessageTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_poison_message_is_logged_once_dead_lettered_with_its_reason_per_group_and_good_frames_keep_flowing()
    {
        var report = new Observations("4-poison-messages", "Poison messages",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.PoisonMessageTests");
        await using var broker = await BrokerProcess.StartAsync();
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: 1);
        using var frames = new FrameSource(broker.BootstrapServers, topics.Frames);
        using var encoder = new FrameEncoder();
        using var image = FrameSource.Draw("cam-p", 1);
        var valid = encoder.Encode(image, "cam-p", 1, FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow));
        var garbage = Encoding.ASCII.GetBytes("definitely not a JPEG");
        var poison = new (string Name, byte[] Value, Headers Headers, string Reason)[]
        {
            ("garbage bytes", garbage, HeadersOf(valid.Metadata), "undecodable-image"),
            ("truncated JPEG", valid.Payload[..(valid.Payload.Length / 2)], HeadersOf(valid.Metadata), "undecodable-image"),
            ("wrong header (width 'wide')", valid.Payload, HeadersOf(valid.Metadata, (FrameHeaders.Width, "wide")), "bad-header"),
            ("missing headers", valid.Payload, new Headers { { FrameHeaders.CameraId, "cam-p"u8.ToArray() } }, "missing-header"),
            ("absurd dimensions (100000 wide)", valid.Payload, HeadersOf(valid.Metadata, (FrameHeaders.Width, "100000")), "absurd-dimensions"),
            ("garbage without any header", garbage, [], "missing-header"),
        };
        report.Injected = $"On the frames topic between good frames: {string.Join(", ", poison.Select(item => item.Name))}; "
            + "and a 1.5 MB message over the broker's 1 MB message.max.bytes";

        await frames.ProduceAsync("cam-p", 0, 1);
        var offsets = new List<long>();
        foreach (var (_, value, headers, _) in poison)
        {
            offsets.Add((await frames.ProduceRawAsync("cam-p", value, headers)).Offset.Value);
        }

        // A client allowed to send 1.5 MB; the broker refuses the batch and the client gets the reason.
        using (var big = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            MessageMaxBytes = 3_000_000,
            MessageTimeoutMs = 15_000,
        }).Build())
        {
            var oversize = await Assert.ThrowsAsync<ProduceException<string, byte[]>>(() =>
                big.ProduceAsync(topics.Frames, new Message<string, byte[]> { Key = "cam-p", Value = new byte[1_500_000] }).WaitAsync(Deadline));
            Assert.Equal(ErrorCode.MsgSizeTooLarge, oversize.Error.Code);
            report.Add("oversize message: error the sending client got", $"{oversize.Error.Code}: {oversize.Error.Reason}");
        }
        await frames.ProduceAsync("cam-p", 1, 9);

        var groups = new[] { ("Consumer", $"mean-{Guid.NewGuid():N}"[..13]), ("Consumer2", $"motion-{Guid.NewGuid():N}"[..15]) };
        var services = groups.Select(pair => PipelineServices.StartGroup(pair.Item1, broker.BootstrapServers, topics, pair.Item2)).ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var results = new TopicReader(broker.BootstrapServers, topics.Results);
            using var deadLetters = new TopicReader(broker.BootstrapServers, topics.DeadLetter);
            await Poll.UntilAsync(() => Records(results).Count(record => groups.Any(group => group.Item2 == record.Group)) >= 20,
                Deadline, () => $"results: {Records(results).Count}.\n{string.Join("\n", services.Select(s => s.Output))}");
            var dead = deadLetters.ReadUntil(poison.Length * groups.Length, Deadline);

            for (var g = 0; g < groups.Length; g++)
            {
                var (project, group) = groups[g];
                var sequences = Records(results).Where(record => record.Group == group).Select(record => record.Sequence!.Value).ToList();
                Assert.Equal(Enumerable.Range(0, 10).Select(value => (long)value), sequences);
                var ofGroup = dead.Where(message => Header(message.Message.Headers, DeadLetterHeaders.Group) == group).ToList();
                Assert.Equal(poison.Length, ofGroup.Count);
                for (var i = 0; i < poison.Length; i++)
                {
                    var source = $"{topics.Frames}/0/{offsets[i]}";
                    var entry = Assert.Single(ofGroup, message => Header(message.Message.Headers, DeadLetterHeaders.Source) == source);
                    Assert.Equal(poison[i].Reason, Header(entry.Message.Headers, DeadLetterHeaders.Reason));
                    Assert.Equal(poison[i].Value, entry.Message.Value);
                    var logged = services[g].Output.Split('\n')
                        .Where(line => line.Contains($"Poison message at {source} ", StringComparison.Ordinal)).ToList();
                    Assert.True(logged.Count == 1, $"{project}: {logged.Count} log lines for {source}.\n{services[g].Output}");
                    if (g == 0)
                    {
                        var text = logged[0][logged[0].IndexOf("Poison message", StringComparison.Ordinal)..];
                        report.Add(poison[i].Name, $"dead-lettered by both groups as '{poison[i].Reason}'; logged once per group: "
                            + (text.Length > 200 ? text[..200] + " ..." : text));
                    }
                }
                report.Add($"{project} ({(g == 0 ? "mean" : "motion")} group): good frames processed, in order", string.Join(",", sequences));
                report.Add($"{project}: dead letters written / warnings logged", $"{ofGroup.Count} / {poison.Length}");
                Assert.False(services[g].HasExited, $"{project} stopped.\n{services[g].Output}");
                // The count an operator sees on the live view's /stats (refreshed every summary interval).
                var address = await services[g].ListeningAsync(Deadline);
                long counted = 0;
                await Poll.UntilAsync(async () =>
                {
                    using var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(address, "/stats")));
                    counted = stats.RootElement.GetProperty("stats").GetProperty("poisonMessages").GetInt64();
                    return counted == poison.Length;
                }, Deadline, () => $"{project} /stats counts {counted} poison messages");
                report.Add($"{project}: poison messages counted on /stats", counted);
            }
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
        report.Write();
    }

    private static List<AnalysisRecord> Records(TopicReader results) =>
        results.ReadToEnd(Deadline)
            .Select(message => JsonSerializer.Deserialize<AnalysisRecord>(message.Message.Value, JsonSerializerOptions.Web)!).ToList();

    private static Headers HeadersOf(FrameMetadata metadata, params (string Name, string Value)[] overrides)
    {
        var headers = new Headers();
        metadata.WriteHeaders((name, value) =>
        {
            var replaced = overrides.FirstOrDefault(item => item.Name == name);
            headers.Add(name, replaced.Name is null ? value : Encoding.UTF8.GetBytes(replaced.Value));
        });
        return headers;
    }

    private static string? Header(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : null;
}
