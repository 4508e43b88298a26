using System.Diagnostics;
using System.Text.Json;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using FrameSource = AspirePipeline.Tests.Consumers.FrameSource;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Reliability;

/// <summary>Scenario 3: a Consumer process is SIGKILLed mid-stream and started again, as Aspire restarts a crashed resource.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ConsumerCrashTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_killed_consumer_resumes_from_its_committed_offset_skipping_nothing_and_repeating_only_the_uncommitted_tail()
    {
        var report = new Observations("3-consumer-crash", "Consumer crash",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.ConsumerCrashTests")
        {
            Injected = "SIGKILL of the Consumer process (group of one, 320x240 JPEG frames at ~20 fps) once it had committed offsets, "
                + "then the same service started again while frames kept coming",
        };
        await using var broker = await BrokerProcess.StartAsync();
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: 1);
        var group = $"crash-{Guid.NewGuid():N}"[..14];
        using var frames = new FrameSource(broker.BootstrapServers, topics.Frames);
        using var stopFrames = new CancellationTokenSource();
        long produced = 0;
        var feeding = Task.Run(async () =>
        {
            while (!stopFrames.IsCancellationRequested)
            {
                await frames.ProduceAsync("cam-c", Interlocked.Read(ref produced), 1);
                Interlocked.Increment(ref produced);
                // Pacing at a camera-like rate, so the crash lands while frames are still arriving.
                await Task.Delay(50, CancellationToken.None);
            }
        });
        using var results = new TopicReader(broker.BootstrapServers, topics.Results);

        var first = PipelineServices.StartGroup("Consumer", broker.BootstrapServers, topics, group, Instance("first"));
        await using (first)
        {
            await Poll.UntilAsync(() => Records(results, group).Count > 0 && Committed(broker.BootstrapServers, group, topics.Frames) > 0,
                Deadline, () => $"no committed offset for {group}.\n{first.Output}", interval: TimeSpan.FromMilliseconds(500));
            first.Kill();
        }
        var crashed = Stopwatch.StartNew();
        var committedAtCrash = Committed(broker.BootstrapServers, group, topics.Frames);
        var processedBeforeCrash = Records(results, group).Select(record => record.Sequence!.Value).Distinct().Count();

        await using var second = PipelineServices.StartGroup("Consumer", broker.BootstrapServers, topics, group, Instance("second"));
        var resumed = await Poll.UntilAsync(() => Records(results, group).Any(record => record.Instance == "second"), Deadline,
            () => $"the restarted consumer produced no result.\n{second.Output}");
        var recovery = crashed.Elapsed;
        await Poll.UntilAsync(() => Records(results, group).Count(record => record.Instance == "second") >= 20, Deadline,
            () => "the restarted consumer stalled");
        await stopFrames.CancelAsync();
        await feeding.WaitAsync(Deadline);
        var total = Interlocked.Read(ref produced);

        await Poll.UntilAsync(() => Records(results, group).Select(record => record.Sequence).Distinct().Count() == total, Deadline,
            () => $"{Records(results, group).Select(record => record.Sequence).Distinct().Count()} of {total} frames have a result");
        var records = Records(results, group);
        var sequences = records.Select(record => record.Sequence!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, (int)total).Select(value => (long)value), sequences.Distinct().Order());
        // One partition fed only by this test from sequence 0: a frame's offset is its sequence, so every repeat must
        // lie at or after the offset committed when the process died.
        var repeated = sequences.GroupBy(sequence => sequence).Where(same => same.Count() > 1).Select(same => same.Key).ToList();
        Assert.All(repeated, sequence => Assert.True(sequence >= committedAtCrash,
            $"frame {sequence} was processed twice although offset {committedAtCrash} had been committed"));
        Assert.All(records.Where(record => record.Instance == "second"), record => Assert.True(record.Offset >= committedAtCrash,
            $"the restarted consumer went back to offset {record.Offset}, before the committed {committedAtCrash}"));

        report.Add("frames produced and acknowledged", total);
        report.Add("processed before the kill (distinct)", processedBeforeCrash);
        report.Add("committed offset at the kill", committedAtCrash);
        report.Add("restarted process: first result after (ms)", Millis.Of(resumed));
        report.Add("kill to first result of the restarted process (ms)", Millis.Of(recovery));
        report.Add("frames with a result (distinct)", sequences.Distinct().Count());
        report.Add("frames skipped", total - sequences.Distinct().Count());
        report.Add("duplicates (all at or after the committed offset)", sequences.Count - sequences.Distinct().Count());
        report.Write();
    }

    private static Dictionary<string, string> Instance(string instance) => new() { [ServiceEnvironment.ConsumerGroup.InstanceId] = instance };

    private static List<AnalysisRecord> Records(TopicReader results, string group) =>
        results.ReadToEnd(Deadline)
            .Select(message => JsonSerializer.Deserialize<AnalysisRecord>(message.Message.Value, JsonSerializerOptions.Web)!)
            .Where(record => record.Group == group)
            .ToList();

    private static long Committed(string bootstrap, string group, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
        }).Build();
        var offset = consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset;
        return offset.IsSpecial ? 0 : offset.Value;
    }
}
