using System.Globalization;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Producer;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Reliability;
using AspirePipeline.TestSupport.Network;
using Xunit.Abstractions;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Network;

/// <summary>
/// Network scenario 4: the producer's host is cut off from the broker's (its camera still reachable) for 20 s. The
/// producer keeps reading its cameras; what Kafka cannot take waits in librdkafka's queue up to its bound
/// (<c>QueueBufferingMaxKbytes</c>, made small here so the bound is reached), and beyond it frames are dropped and
/// counted. After the heal every frame the producer counted as published is in the topic, in order, and every frame
/// it captured is either there or counted as dropped.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Network)]
[Collection("processes")]
public sealed class ProducerPartitionTests(ITestOutputHelper output)
{
    // A few seconds of these cameras' frames (the test pattern at 320x180 compresses to about 3 KB).
    private const int QueueKilobytes = 256;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly string[] Cameras = ["cam-a", "cam-b"];

    [Fact]
    public async Task Frames_are_buffered_up_to_the_bound_then_dropped_and_counted_and_none_acknowledged_is_missing_after_the_heal()
    {
        var report = new Observations("13-producer-partition", "Producer partitioned from the broker (network scenario 4)",
            "./test.sh --filter FullyQualifiedName~Network.ProducerPartitionTests")
        {
            Injected = $"the producer's host cut off from the broker's for {Outage.TotalSeconds:0} s (every packet between them " +
                $"dropped; the camera's host still reachable), {Cameras.Length} RTSP cameras of 320x180 at 10 fps, librdkafka's " +
                $"queue bounded at {QueueKilobytes} KiB",
        };
        await using var network = await TestNetwork.CreateAsync("broker", "camera", "producer");
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { Host = network["broker"] });
        var topic = $"frames-{Guid.NewGuid():N}"[..19];
        await FrameTopicsAdmin.CreateAsync(broker.BootstrapServers, topic, partitions: 1);
        await using var camera = await CameraSimulatorProcess.StartAsync(320, 180, 10, host: network["camera"]);
        await using var producer = await NetworkServices.StartProducerListeningAsync(network["producer"], broker.BootstrapServers, topic,
            camera.Url, Cameras, new Dictionary<string, string>
            {
                ["Aspire__Confluent__Kafka__Producer__Config__QueueBufferingMaxKbytes"] = QueueKilobytes.ToString(CultureInfo.InvariantCulture),
            });
        using var http = new HttpClient { BaseAddress = producer.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var frames = new TopicReader(broker.BootstrapServers, topic);
        await Poll.UntilAsync(() => frames.ReadToEnd(Deadline).Count >= 40, Deadline,
            () => $"the producer published no frames.\n{producer.Output}", TimeSpan.FromMilliseconds(500));

        await network["producer"].PartitionAsync(network["broker"]);
        var cutAt = DateTimeOffset.UtcNow;
        // A fault of fixed length: the producer is left to itself meanwhile.
        await Task.Delay(Outage);
        await network["producer"].HealAsync();
        var healedAt = DateTimeOffset.UtcNow;

        var recovered = await Poll.UntilAsync(
            async () => (await NetworkServices.ProducerStatsAsync(http)).All(camera => camera.LastPublishedAt > healedAt), Deadline,
            () => $"the producer did not publish again after the heal.\n{producer.Output}", TimeSpan.FromMilliseconds(500));
        output.WriteLine($"publishing again {recovered.TotalSeconds:F1} s after the heal");
        // The camera goes away, so once the producer has seen it go nothing new comes; the counts settle once nothing is in
        // flight: captured = published + dropped.
        await camera.KillAsync();
        await Poll.UntilAsync(
            async () => (await NetworkServices.ProducerStatsAsync(http))
                .All(camera => !camera.Connected && camera.Captured == camera.Published + camera.Dropped),
            Deadline, () => "the producer did not see its camera go, or its counts did not settle (captured = published + dropped)",
            TimeSpan.FromMilliseconds(200));
        var stats = await NetworkServices.ProducerStatsAsync(http);

        var inTopic = frames.ReadToEnd(Deadline)
            .Select(message => FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!)
            .GroupBy(metadata => metadata.CameraId!)
            .ToDictionary(camera => camera.Key, camera => camera.ToList());
        long buffered = 0;
        foreach (var cameraStats in stats)
        {
            var sequences = inTopic.GetValueOrDefault(cameraStats.Id)?.Select(metadata => metadata.Sequence!.Value).ToList() ?? [];
            output.WriteLine($"{cameraStats.Id}: captured {cameraStats.Captured}, published {cameraStats.Published}, " +
                $"in the topic {sequences.Count} ({sequences.Distinct().Count()} distinct), dropped " +
                string.Join(", ", cameraStats.DroppedByReason.Select(reason => $"{reason.Key} {reason.Value}")));
            // Every frame the producer counted as published (acknowledged by Kafka) is in the topic, and nothing else is.
            Assert.Equal(cameraStats.Published, sequences.Count);
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
            // A sequence is given when Kafka's queue takes the frame: a gap is a frame that timed out in it, counted.
            var gaps = sequences.Count == 0 ? 0 : sequences.Max() + 1 - sequences.Count;
            Assert.Equal(cameraStats.DroppedByReason.GetValueOrDefault(DropReasons.DeliveryFailed), gaps);
            buffered += inTopic.GetValueOrDefault(cameraStats.Id)?
                .Count(metadata => metadata.CaptureTime > cutAt && metadata.CaptureTime < healedAt) ?? 0;
        }
        var dropped = stats.Sum(camera => camera.Dropped);
        // Both the bound and the buffer at work: frames from the outage delivered after it, and frames dropped beyond the bound.
        Assert.True(buffered > 0, "no frame captured during the outage reached the topic after the heal");
        Assert.True(dropped > 0, $"nothing was dropped in a {Outage.TotalSeconds:0} s outage with a {QueueKilobytes} KiB queue");

        report.Add("frames captured", stats.Sum(camera => camera.Captured));
        report.Add("frames acknowledged (all in the topic)", stats.Sum(camera => camera.Published));
        report.Add("captured during the outage, buffered and delivered after it", buffered);
        report.Add("dropped, by reason", stats.SelectMany(camera => camera.DroppedByReason)
            .GroupBy(pair => pair.Key).ToDictionary(reason => reason.Key, reason => reason.Sum(pair => pair.Value)));
        report.Add("acknowledged frames missing from the topic", 0);
        report.Add("heal to publishing again (ms)", Millis.Of(recovered));
        report.Write();
    }
}
