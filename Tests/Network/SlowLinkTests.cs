using System.Globalization;
using System.Net;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Reliability;
using AspirePipeline.TestSupport.Network;
using Xunit.Abstractions;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Network;

/// <summary>
/// Network scenario 3: 100 ms of delay on the link from two analysis hosts running one group to the broker (a WAN link,
/// as netem on their interfaces would add it), added while the pipeline runs. The kernel here has no netem, so the
/// analysis hosts' connections to the broker go through a <see cref="DelayRelay"/> (DNAT in each host) from the start,
/// without delay first, then with it.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Network)]
[Collection("processes")]
public sealed class SlowLinkTests(ITestOutputHelper output)
{
    private const string Group = "slow-link";
    private const int FramePartitions = 2;
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string[] Cameras = ["cam-a", "cam-b", "cam-c", "cam-d"];

    [Fact]
    public async Task With_100_ms_to_the_analysis_hosts_the_group_keeps_up_and_its_latency_rises_by_about_the_delay()
    {
        var report = new Observations("12-slow-link", "Slow link to the analysis hosts (network scenario 3)",
            "./test.sh --filter FullyQualifiedName~Network.SlowLinkTests")
        {
            Injected = $"{Delay.TotalMilliseconds:0} ms added to what both analysis hosts send the broker (one group, " +
                $"{Cameras.Length} RTSP cameras of 320x180 at 10 fps over {FramePartitions} partitions), through a delaying relay; " +
                $"{Window.TotalSeconds:0} s measured before and after",
        };
        await using var network = await TestNetwork.CreateAsync("broker", "camera", "producer", "analysis-1", "analysis-2");
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { Host = network["broker"] });
        var brokerEndpoint = IPEndPoint.Parse(broker.BootstrapServers);
        await using var relay = DelayRelay.Start(IPAddress.Parse(network.ObserverAddress), brokerEndpoint);
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, FramePartitions);
        await using var camera = await CameraSimulatorProcess.StartAsync(320, 180, 10, host: network["camera"]);
        var producer = NetworkServices.StartProducer(network["producer"], broker.BootstrapServers, topics.Frames, camera.Url, Cameras);
        await using var stopProducer = new DisposeOnce(producer);
        await network["analysis-1"].RedirectAsync(brokerEndpoint, relay.Endpoint);
        await network["analysis-2"].RedirectAsync(brokerEndpoint, relay.Endpoint);
        await using var first = StartAnalysis(network["analysis-1"], broker.BootstrapServers, topics);
        await using var second = StartAnalysis(network["analysis-2"], broker.BootstrapServers, topics);
        using var results = new TopicReader(broker.BootstrapServers, topics.Results);

        await Poll.UntilAsync(() => Records(results).Select(record => record.Instance).Distinct().Count() == 2, Deadline,
            () => $"both analysis hosts were not analysing.\nanalysis-1: {first.Output}\nanalysis-2: {second.Output}",
            TimeSpan.FromMilliseconds(500));
        Assert.True(relay.Connections >= 2, $"the analysis hosts' connections did not go through the relay ({relay.Connections})");

        // A fixed window each, measured after the link settled (rebalances done, delay applied).
        await Task.Delay(Settle);
        var before = await MeasureAsync(results);
        relay.Delay = Delay;
        await Task.Delay(Settle);
        relay.ResetLateness();
        var after = await MeasureAsync(results);
        var relayLateness = relay.MaxLateness;
        output.WriteLine($"before: {before}; with {Delay.TotalMilliseconds:0} ms: {after}; the relay at most " +
            $"{relayLateness.TotalMilliseconds:0} ms late");

        // Keeping up: as many frames analysed in the window as before, within 10 % (the cameras' rate is steady).
        Assert.True(after.Frames >= before.Frames * 0.9, $"the group fell behind with the delay: {after.Frames} against {before.Frames} frames");
        var rise = after.MedianMs - before.MedianMs;
        // About the delay and no more: each fetch reaches the broker one delay later, so a frame that came after the last
        // one waits up to that much longer (63 and 79 ms seen); at most twice the delay (with it on both ways, the round
        // trip, 200 ms was seen), at least a quarter of it, which shows the delay is on the path at all.
        Assert.InRange(rise, Delay.TotalMilliseconds * 0.25, Delay.TotalMilliseconds * 2);
        // No stall beyond it either: the p99 rises by at most three times the delay (108 ms seen against 10 to 13). A loaded
        // CI run once saw 826 ms; that was the relay itself, on a starved thread pool, which its own lateness (reported)
        // showed at 540 ms until its pumps got threads of their own.
        Assert.True(after.P99Ms - before.P99Ms <= Delay.TotalMilliseconds * 3,
            $"the p99 rose from {before.P99Ms:F0} to {after.P99Ms:F0} ms with {Delay.TotalMilliseconds:0} ms of delay (the relay at most " +
            $"{relayLateness.TotalMilliseconds:0} ms late)");

        // Nothing acknowledged lost, nothing analysed twice beyond a rebalance's: once the frames stop, every frame in the
        // topic has the group's result.
        await stopProducer.DisposeAsync();
        using var frames = new TopicReader(broker.BootstrapServers, topics.Frames, FramePartitions);
        var acknowledged = frames.ReadToEnd(Deadline)
            .Select(message => (message.Message.Key, FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!.Sequence!.Value))
            .ToList();
        await Poll.UntilAsync(() => Unanalysed(acknowledged, results).Count == 0, Deadline,
            () => $"{Unanalysed(acknowledged, results).Count} of {acknowledged.Count} acknowledged frames have no result",
            TimeSpan.FromMilliseconds(500));
        var repeats = Records(results).GroupBy(record => (record.Partition, record.Offset)).Sum(same => same.Count() - 1);
        output.WriteLine($"{acknowledged.Count} frames, all analysed, {repeats} twice");

        report.Add("frames acknowledged, all analysed / analysed twice", $"{acknowledged.Count} / {repeats}");
        report.Add("frames analysed per window, before / with the delay", $"{before.Frames} / {after.Frames}");
        report.Add("capture-to-result latency p50 before / with the delay (ms)", $"{before.MedianMs:F0} / {after.MedianMs:F0}");
        report.Add("p50 rise (ms)", Math.Round(rise));
        report.Add("capture-to-result latency p99 before / with the delay (ms)", $"{before.P99Ms:F0} / {after.P99Ms:F0}");
        report.Add("connections through the relay", relay.Connections);
        report.Add("the relay's own lateness at most, with the delay (ms)", Millis.Of(relayLateness));
        report.Write();
    }

    private async Task<Measured> MeasureAsync(TopicReader results)
    {
        var start = DateTimeOffset.UtcNow;
        await Task.Delay(Window);
        var end = DateTimeOffset.UtcNow;
        var latencies = Records(results)
            .Where(record => record.CaptureTimestamp >= start && record.CaptureTimestamp < end && record.LatencyMs is not null)
            .Select(record => record.LatencyMs!.Value)
            .Order()
            .ToList();
        Assert.True(latencies.Count > 0, "no frame analysed in the window");
        return new Measured(latencies.Count, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
    }

    private sealed record Measured(int Frames, double MedianMs, double P99Ms)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Frames} frames, p50 {MedianMs:F0} ms, p99 {P99Ms:F0} ms");
    }

    private static ServiceProcess StartAnalysis(NetworkHost host, string bootstrap, TestTopics topics) =>
        PipelineServices.StartGroup("Consumer", bootstrap, topics, Group, host: host);

    private static List<AnalysisRecord> Records(TopicReader results) => NetworkServices.Records(results, Group);

    private static List<(string Camera, long Sequence)> Unanalysed(List<(string Camera, long Sequence)> acknowledged, TopicReader results)
    {
        var analysed = Records(results).Select(record => (record.Camera, record.Sequence ?? -1)).ToHashSet();
        return [.. acknowledged.Where(frame => !analysed.Contains(frame))];
    }
}
