using System.Diagnostics;
using System.Globalization;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Reliability;
using AspirePipeline.TestSupport.Network;
using Confluent.Kafka;
using Xunit.Abstractions;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Network;

/// <summary>
/// Network scenario 1: one of two analysis hosts running replicas of the same group is cut off (every packet to and
/// from it dropped) for longer than the group's session timeout, then joined again. Hosts: the broker, the camera
/// simulator, the producer, and the two analysis hosts, each its own network namespace (<see cref="TestNetwork"/>),
/// each service its own process configured as the published deployment configures it.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Network)]
[Collection("processes")]
public sealed class AnalysisHostPartitionTests(ITestOutputHelper output)
{
    private const string Group = "analysis-partition";
    private const int FramePartitions = 2;
    private const int ResultsTimeoutMs = 5000;
    private const int ResultsLingerMs = 1000;
    // The consumers' default (FrameProcessingExtensions): the broker evicts a silent member after this long.
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(10);
    // What one rebalance may take on top of the session timeout before the other host has the partitions.
    private static readonly TimeSpan RebalanceAllowance = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Outage = SessionTimeout + TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    // Cameras whose keys land on both partitions of the frames topic (librdkafka's default partitioner, CRC32 of the key).
    private static readonly string[] Cameras = ["cam-a", "cam-b", "cam-c", "cam-d"];

    /// <param name="diesWhileCutOff">
    /// The cut-off host is also killed (SIGKILL) while cut off and started again after the heal, so what it had not yet
    /// sent dies with it: a frame it committed must then already have its result in the topic. (Merely cut off, it goes
    /// on analysing what it had fetched, and TCP delivers what it sent once the link is back, so a commit that ran
    /// ahead of the results loses nothing.)
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_partitions_of_a_cut_off_analysis_host_move_to_the_other_and_back_with_no_frame_missing(bool diesWhileCutOff)
    {
        var report = diesWhileCutOff
            ? new Observations("10b-analysis-host-partition-crash", "Analysis host partitioned, and killed while cut off (network scenario 1)",
                "./test.sh --filter FullyQualifiedName~Network.AnalysisHostPartitionTests")
            : new Observations("10-analysis-host-partition", "Analysis host partitioned (network scenario 1)",
                "./test.sh --filter FullyQualifiedName~Network.AnalysisHostPartitionTests");
        report.Injected = $"analysis-1 of two analysis hosts (one group, {FramePartitions} partitions, {Cameras.Length} cameras of 320x180 " +
                $"at 10 fps) cut off for {Outage.TotalSeconds:0} s, every packet in and out dropped, session timeout " +
                $"{SessionTimeout.TotalSeconds:0} s, results timing out after {ResultsTimeoutMs / 1000} s and lingering up to " +
                $"{ResultsLingerMs / 1000} s, cut just after a commit; " +
                (diesWhileCutOff ? "killed while cut off; then healed and started again" : "then healed");
        await using var network = await TestNetwork.CreateAsync("broker", "camera", "producer", "analysis-1", "analysis-2");
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { Host = network["broker"] });
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, FramePartitions);
        await using var camera = await CameraSimulatorProcess.StartAsync(320, 180, 10, host: network["camera"]);
        var producer = NetworkServices.StartProducer(network["producer"], broker.BootstrapServers, topics.Frames, camera.Url, Cameras);
        await using var stopProducer = new DisposeOnce(producer);
        var first = StartAnalysis(network["analysis-1"], broker.BootstrapServers, topics);
        await using var stopFirst = new DisposeOnce(first);
        ServiceProcess? restarted = null;
        await using var stopRestarted = new Later();
        await using var second = StartAnalysis(network["analysis-2"], broker.BootstrapServers, topics);
        using var results = new TopicReader(broker.BootstrapServers, topics.Results);
        // One client for the group's committed offsets, asked often: a new one per question takes a connection each time.
        using var offsets = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = Group,
            EnableAutoCommit = false,
        }).Build();

        // Both hosts working, each on its share of the partitions.
        await Poll.UntilAsync(() => Owners(Records(results)).Count == FramePartitions && Owners(Records(results)).Values.Distinct().Count() == 2,
            Deadline, () => $"both analysis hosts had no partition of their own: owners {Describe(Owners(Records(results)))}.\n" +
                $"analysis-1: {first.Output}\nanalysis-2: {second.Output}\nproducer: {producer.Output}", TimeSpan.FromMilliseconds(500));
        var cutOff = Owners(Records(results)).Where(owner => owner.Value == "analysis-1").Select(owner => owner.Key).ToList();
        // Cut once analysis-1 has committed on its partitions, so that the bound on repeats below has something to bite on.
        await Poll.UntilAsync(() => cutOff.All(partition => Committed(offsets, topics.Frames).GetValueOrDefault(partition) > 0),
            Deadline, () => $"analysis-1 committed nothing on partitions {string.Join(", ", cutOff)}.\n{first.Output}",
            TimeSpan.FromMilliseconds(500));
        // ... and cut it off right after its next commit: the worst moment for at least once, when everything it just
        // committed must already have its result in the topic (results wait up to a second before they are sent).
        var committedBefore = Committed(offsets, topics.Frames);
        await Poll.UntilAsync(() => Committed(offsets, topics.Frames) is var now &&
                cutOff.Any(partition => now.GetValueOrDefault(partition) != committedBefore.GetValueOrDefault(partition)),
            Deadline, () => $"analysis-1 committed nothing more on partitions {string.Join(", ", cutOff)}.\n{first.Output}",
            TimeSpan.FromMilliseconds(20));

        var committedSeen = DateTimeOffset.UtcNow;
        await network["analysis-1"].PartitionAsync();
        output.WriteLine($"cut {(DateTimeOffset.UtcNow - committedSeen).TotalMilliseconds:F0} ms after the commit was seen");
        var outage = Stopwatch.StartNew();
        var cutAt = DateTimeOffset.UtcNow;
        if (diesWhileCutOff)
        {
            first.Kill();
        }
        // Cut off, analysis-1 can commit nothing more: what it committed is where the other host starts.
        var committedAtCut = Committed(offsets, topics.Frames);
        var moved = await Poll.UntilAsync(
            () => cutOff.All(partition => Records(results).Any(record =>
                record.Instance == "analysis-2" && record.Partition == partition && record.ProcessedTimestamp > cutAt)),
            SessionTimeout + RebalanceAllowance,
            () => $"analysis-2 did not take over partitions {string.Join(", ", cutOff)} of the cut-off host.\nanalysis-2: {second.Output}",
            TimeSpan.FromMilliseconds(200));
        output.WriteLine($"partitions {string.Join(", ", cutOff)} moved to analysis-2 after {moved.TotalSeconds:F1} s");
        // The fault lasts its full length, past the session timeout, whatever the group did meanwhile.
        await Task.Delay(Outage - outage.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero);

        await network["analysis-1"].HealAsync();
        var healedAt = DateTimeOffset.UtcNow;
        if (diesWhileCutOff)
        {
            stopRestarted.Resource = restarted = StartAnalysis(network["analysis-1"], broker.BootstrapServers, topics);
        }
        var rejoined = await Poll.UntilAsync(
            () => Records(results).Any(record => record.Instance == "analysis-1" && record.ProcessedTimestamp > healedAt),
            Deadline, () => $"analysis-1 did not get a partition back after the heal.\nanalysis-1: {first.Output}", TimeSpan.FromMilliseconds(500));
        output.WriteLine($"analysis-1 analysing again {rejoined.TotalSeconds:F1} s after the heal");

        // Frames stop; every frame the broker acknowledged (every one in the topic) must have its result.
        await stopProducer.DisposeAsync();
        using var frames = new TopicReader(broker.BootstrapServers, topics.Frames, FramePartitions);
        var acknowledged = frames.ReadToEnd(Deadline)
            .Select(message => (Camera: message.Message.Key, FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!.Sequence!.Value,
                Partition: message.Partition.Value))
            .ToList();
        var coveredPartitions = acknowledged.Select(frame => frame.Partition).Distinct().Count();
        Assert.True(coveredPartitions == FramePartitions, $"the cameras' frames filled {coveredPartitions} of {FramePartitions} partitions");
        await Poll.UntilAsync(() => Missing(acknowledged, Records(results)).Count == 0, Deadline,
            () => $"{Missing(acknowledged, Records(results)).Count} of {acknowledged.Count} acknowledged frames have no result, e.g. " +
                string.Join(", ", Missing(acknowledged, Records(results)).Take(5)), TimeSpan.FromMilliseconds(500));

        var records = Records(results);
        var repeats = records.GroupBy(record => (record.Partition, record.Offset)).Where(same => same.Count() > 1).ToList();
        // At least once: a frame is analysed twice only if its offset was not committed when its host was cut off.
        Assert.All(repeats, repeat => Assert.True(repeat.Key.Offset >= committedAtCut.GetValueOrDefault(repeat.Key.Partition),
            $"partition {repeat.Key.Partition} offset {repeat.Key.Offset} was analysed twice although offset " +
            $"{committedAtCut.GetValueOrDefault(repeat.Key.Partition)} had been committed when analysis-1 was cut off"));
        Assert.All(repeats, repeat => Assert.Contains(repeat.Key.Partition, cutOff));

        report.Add("frames acknowledged (in the topic)", acknowledged.Count);
        report.Add("frames without a result", 0);
        report.Add("partitions of the cut-off host", string.Join(", ", cutOff));
        report.Add("cut to the other host analysing them (ms)", Millis.Of(moved));
        report.Add("bound: session timeout + one rebalance (ms)", Millis.Of(SessionTimeout + RebalanceAllowance));
        report.Add("heal to the cut-off host analysing again (ms)", Millis.Of(rejoined));
        report.Add("duplicates (analysed twice, all at or after the offset committed at the cut)", repeats.Sum(repeat => repeat.Count() - 1));
        report.Add("committed offsets at the cut (partition: offset)",
            string.Join(", ", committedAtCut.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}: {pair.Value}")));
        report.Write();
    }

    /// <summary>Which host analysed each partition last.</summary>
    private static Dictionary<int, string> Owners(List<AnalysisRecord> records) => records
        .GroupBy(record => record.Partition)
        .ToDictionary(partition => partition.Key, partition => partition.MaxBy(record => record.ProcessedTimestamp)!.Instance);

    private static string Describe(Dictionary<int, string> owners) =>
        owners.Count == 0 ? "none yet" : string.Join(", ", owners.Select(owner => $"{owner.Key}: {owner.Value}"));

    private static List<(string Camera, long Sequence)> Missing(List<(string Camera, long Sequence, int Partition)> acknowledged,
        List<AnalysisRecord> records)
    {
        var analysed = records.Select(record => (record.Camera, record.Sequence ?? -1)).ToHashSet();
        return [.. acknowledged.Select(frame => (frame.Camera, frame.Sequence)).Where(frame => !analysed.Contains(frame))];
    }

    private static Dictionary<int, long> Committed(IConsumer<Ignore, Ignore> offsets, string topic) => offsets
        .Committed(Enumerable.Range(0, FramePartitions).Select(partition => new TopicPartition(topic, partition)), TimeSpan.FromSeconds(10))
        .ToDictionary(offset => offset.Partition.Value, offset => offset.Offset.IsSpecial ? 0 : offset.Offset.Value);

    private static ServiceProcess StartAnalysis(NetworkHost host, string bootstrap, TestTopics topics) =>
        PipelineServices.StartGroup("Consumer", bootstrap, topics, Group, host: host, settings: new Dictionary<string, string>
        {
            // Results written while cut off time out well within the outage: what the cut-off host analysed then is lost
            // with them, so only the offsets it committed (after each result was acknowledged) may say where the other starts.
            ["Aspire__Confluent__Kafka__Producer__Config__MessageTimeoutMs"] = ResultsTimeoutMs.ToString(CultureInfo.InvariantCulture),
            // Sent but not acknowledged counts too: without this a request in flight waits 30 s, and TCP delivers it after the heal.
            ["Aspire__Confluent__Kafka__Producer__Config__RequestTimeoutMs"] = (ResultsTimeoutMs - 1000).ToString(CultureInfo.InvariantCulture),
            // Results batched for up to a second, as a host across a slow link would send them: it widens the time between
            // a frame's analysis and its result's acknowledgement, in which a commit must not count the frame as done.
            ["Aspire__Confluent__Kafka__Producer__Config__LingerMs"] = ResultsLingerMs.ToString(CultureInfo.InvariantCulture),
        });

    private static List<AnalysisRecord> Records(TopicReader results) => NetworkServices.Records(results, Group);

    /// <summary>Disposes what it is given later in the test, if anything.</summary>
    private sealed class Later : IAsyncDisposable
    {
        public IAsyncDisposable? Resource { get; set; }

        public ValueTask DisposeAsync() => Resource?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
