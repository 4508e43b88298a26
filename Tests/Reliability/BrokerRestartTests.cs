using System.Collections.Concurrent;
using System.Diagnostics;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Producer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ConsumerTestHost = AspirePipeline.Tests.Consumers.ConsumerTestHost;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Reliability;

/// <summary>Scenario 2: the broker process is SIGKILLed mid-stream and restarted on the same data directory.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BrokerRestartTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// With the default 30 s message timeout a 5 s outage is buffered; with a 2 s timeout a 6 s outage must show up
    /// as counted drops, one per gap in the sequence numbers, and nothing else missing.
    /// </summary>
    [Theory]
    [InlineData(5, 0)]
    [InlineData(6, 2000)]
    public async Task Every_frame_acknowledged_around_a_broker_crash_reaches_both_groups_and_nothing_is_lost_silently(
        int outageSeconds, int messageTimeoutMs)
    {
        var outage = TimeSpan.FromSeconds(outageSeconds);
        var buffered = messageTimeoutMs == 0;
        var report = new Observations(buffered ? "2-broker-restart" : "2b-broker-restart-timeouts",
            buffered ? "Broker restart (frames buffered)" : "Broker restart longer than the producer's message timeout",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.BrokerRestartTests")
        {
            Injected = $"SIGKILL of the broker process mid-stream (RTSP camera 320x240 at 15 fps, producer, two consumer groups), "
                + $"down {outage.TotalSeconds:0} s, restarted on the same port and data directory"
                + (buffered ? "" : $"; producer MessageTimeoutMs {messageTimeoutMs}"),
        };
        var acknowledged = new ConcurrentDictionary<long, bool>();
        var failed = new ConcurrentQueue<long>();
        using var listener = ListenToDeliveries(acknowledged, failed);

        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        await using var camera = await CameraSimulatorProcess.StartAsync(width: 320, height: 240, fps: 15);
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: 1);
        var groups = new[] { $"mean-{Guid.NewGuid():N}"[..13], $"motion-{Guid.NewGuid():N}"[..15] };
        var producer = await ProducerTestHost.StartAsync(broker.BootstrapServers, topics.Frames, new Dictionary<string, string?>
        {
            ["Producer:Camera:Url"] = camera.Url,
            // Every frame gets a publish span, whose end (acknowledged or failed) tells the test which frames Kafka took.
            ["Producer:TraceEveryNthFrame"] = "1",
            ["Aspire:Confluent:Kafka:Producer:Config:MessageTimeoutMs"] =
                buffered ? null : messageTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var producerLifetime = new DisposeOnce(producer);
        await using var mean = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(broker.BootstrapServers, topics, groups[0]);
        await using var motion = await ConsumerTestHost.StartAsync<MotionAnalyzer>(broker.BootstrapServers, topics, groups[1]);
        var status = producer.Camera("camera");
        await Poll.UntilAsync(() => status.Published >= 20 && mean.Statistics.FramesProcessed >= 10 && motion.Statistics.FramesProcessed >= 10,
            Deadline, () => $"published {status.Published}, processed {mean.Statistics.FramesProcessed}/{motion.Statistics.FramesProcessed}");

        var ackedBeforeKill = status.Published;
        broker.Kill();
        var producerHealth = new List<string>();
        var consumerHealth = new List<string>();
        await Poll.SampleForAsync(outage, TimeSpan.FromSeconds(1), async () =>
        {
            producerHealth.Add(await HealthAsync(producer.Services));
            consumerHealth.Add(await HealthAsync(mean.Services));
        });
        var capturedWhileDown = status.Captured;
        var ackedWhileDown = status.Published;

        await broker.RestartAsync();
        var restarted = Stopwatch.StartNew();
        var restartedAt = DateTimeOffset.UtcNow;
        var producerBack = await Poll.UntilAsync(() => status.Published > ackedWhileDown, Deadline,
            () => $"nothing acknowledged after the restart; last error {status.LastError}");
        await Poll.UntilAsync(() => status.Published >= ackedWhileDown + 30, Deadline, () => $"published {status.Published}");
        await Poll.UntilAsync(async () => await HealthAsync(producer.Services) == nameof(HealthStatus.Healthy), Deadline,
            () => "the producer did not report healthy again");
        var healthyAgain = restarted.Elapsed;

        // Stopping flushes: every frame handed to Kafka is now acknowledged or failed (and counted).
        await producerLifetime.DisposeAsync();
        var acked = acknowledged.Keys.Order().ToList();
        Assert.Equal(status.Published, acked.Count);

        using var frames = new TopicReader(broker.BootstrapServers, topics.Frames);
        var inTopic = frames.ReadToEnd(Deadline)
            .Select(message => AspirePipeline.Frames.FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!.Sequence!.Value).ToList();
        var missingFromTopic = acked.Except(inTopic).ToList();
        Assert.True(missingFromTopic.Count == 0, $"acknowledged but not in the topic: {string.Join(", ", missingFromTopic)}");
        // A gap in the topic's numbering is a frame handed to Kafka that failed: it must have been counted as dropped.
        var gaps = Enumerable.Range(0, (int)inTopic.Max() + 1).Select(value => (long)value).Except(inTopic).ToList();
        Assert.True(gaps.Count <= status.DroppedFor("delivery-failed"),
            $"{gaps.Count} sequences missing from the topic but only {status.DroppedFor("delivery-failed")} counted as dropped");
        if (!buffered)
        {
            Assert.True(status.DroppedFor("delivery-failed") > 0, "a 6 s outage with a 2 s message timeout dropped nothing");
        }

        using var results = new TopicReader(broker.BootstrapServers, topics.Results);
        var perGroup = new Dictionary<string, List<long>>();
        List<AspirePipeline.FrameProcessing.Reporting.AnalysisRecord> records = [];
        await Poll.UntilAsync(() =>
            {
                records = results.ReadToEnd(Deadline).Select(message =>
                    System.Text.Json.JsonSerializer.Deserialize<AspirePipeline.FrameProcessing.Reporting.AnalysisRecord>(
                        message.Message.Value, System.Text.Json.JsonSerializerOptions.Web)!).ToList();
                foreach (var group in groups)
                {
                    perGroup[group] = records.Where(record => record.Group == group).Select(record => record.Sequence!.Value).ToList();
                }
                return groups.All(group => !acked.Except(perGroup[group]).Any());
            }, Deadline,
            () => string.Join("; ", groups.Select(group => $"{group} misses {acked.Except(perGroup.GetValueOrDefault(group) ?? []).Count()}")));

        report.Add("frames acknowledged before the kill", ackedBeforeKill);
        report.Add("frames captured by the end of the outage", capturedWhileDown);
        report.Add("producer health while down", string.Join(", ", producerHealth.Distinct()));
        report.Add("consumer health while down", string.Join(", ", consumerHealth.Distinct()));
        report.Add("first acknowledgement after restart (ms)", Millis.Of(producerBack));
        // Recovery of a group: the first result for a frame Kafka had not acknowledged before the restart.
        var firstNew = groups.Select(group => records.Where(record => record.Group == group && record.Sequence >= ackedWhileDown)
            .Min(record => record.ProcessedTimestamp) - restartedAt).ToList();
        report.Add("first frame captured during the outage processed after restart, mean / motion group (ms)",
            $"{Millis.Of(firstNew[0])} / {Millis.Of(firstNew[1])}");
        report.Add("producer healthy again after restart (ms)", Millis.Of(healthyAgain));
        report.Add("frames acknowledged in total", acked.Count);
        report.Add("frames in topic (incl. producer retries)", inTopic.Count);
        report.Add("duplicates in topic", inTopic.Count - inTopic.Distinct().Count());
        report.Add("frames dropped, by reason", status.Dropped.ToDictionary());
        report.Add("sequence gaps in topic", gaps.Count);
        report.Add("publish attempts that failed (all counted as dropped)", failed.Count);
        foreach (var group in groups)
        {
            var name = group.StartsWith("mean", StringComparison.Ordinal) ? "mean group" : "motion group";
            report.Add($"{name}: acknowledged frames delivered", acked.Intersect(perGroup[group]).Count());
            report.Add($"{name}: duplicates", perGroup[group].Count - perGroup[group].Distinct().Count());
        }
        report.Write();
    }

    private static async Task<string> HealthAsync(IServiceProvider services)
    {
        var health = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(15));
        return health.Status.ToString();
    }

    private static ActivityListener ListenToDeliveries(ConcurrentDictionary<long, bool> acknowledged, ConcurrentQueue<long> failed)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AspirePipeline.Producer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("frame.sequence") is not long sequence)
                {
                    return;
                }
                if (activity.Status != ActivityStatusCode.Error && activity.GetTagItem(MessagingTags.KafkaOffset) is not null)
                {
                    acknowledged[sequence] = true;
                }
                else
                {
                    failed.Enqueue(sequence);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
