using System.Diagnostics;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Producer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Tests.Reliability;

/// <summary>Scenario 1: the RTSP camera (GStreamer server process) disappears for 10 s and comes back.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class CameraLossTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_camera_gone_for_ten_seconds_is_reported_waited_for_cheaply_and_reconnected_without_a_gap()
    {
        var report = new Observations("1-camera-loss", "Camera loss",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.CameraLossTests")
        {
            Injected = $"SIGKILL of the GStreamer RTSP server (320x240, 15 fps) for {Outage.TotalSeconds:0} s, then started again on the same port",
        };
        await using var broker = await BrokerProcess.StartAsync();
        await using var camera = await CameraSimulatorProcess.StartAsync(width: 320, height: 240, fps: 15);
        var topic = $"frames-{Guid.NewGuid():N}"[..20];
        await using var producer = await ProducerTestHost.StartAsync(broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Producer:Camera:Url"] = camera.Url,
            ["Producer:ReconnectMaxDelay"] = "00:00:02",
        });
        var status = producer.Camera("camera");
        await Poll.UntilAsync(() => status.Published >= 15, Deadline, () => $"published {status.Published} before the loss");

        // Children reaped during the outage (the simulator, the ffmpeg that was streaming) add their whole life to this
        // process's CPU; only what they used from here on counts.
        var childrenBefore = ProcStat.ChildrenCpuTimes(Environment.ProcessId);
        var cpuBefore = ProcStat.CpuTime(Environment.ProcessId);
        var lost = Stopwatch.StartNew();
        await camera.KillAsync();
        var detected = await Poll.UntilAsync(() => !status.Connected, Deadline, () => "the loss was not noticed");
        var lossLog = producer.Logs.Entries.FirstOrDefault(entry =>
            entry.Level == LogLevel.Warning && entry.Message.Contains("stream lost", StringComparison.Ordinal));
        Assert.True(lossLog is not null, "no 'stream lost' warning was logged");
        var healthWhileDown = new List<string>();
        await Poll.SampleForAsync(Outage - lost.Elapsed, TimeSpan.FromSeconds(1), async () =>
        {
            var health = await producer.HealthAsync();
            healthWhileDown.Add(health.Status.ToString());
            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("camera 'camera' is not connected", health.Description, StringComparison.Ordinal);
        });
        var outage = lost.Elapsed;
        // The test process hosts the producer; cutime/cstime add the ffmpeg attempts it started and reaped meanwhile.
        var cpuWhileDown = ProcStat.CpuTimeSince(Environment.ProcessId, cpuBefore, childrenBefore);
        var publishedWhileDown = status.Published;

        var back = Stopwatch.StartNew();
        await camera.StartAgainAsync();
        var firstFrame = await Poll.UntilAsync(() => status.Published > publishedWhileDown, Deadline,
            () => $"no frame after the camera came back; last error {status.LastError}");
        await Poll.UntilAsync(async () => (await producer.HealthAsync()).Status == HealthStatus.Healthy, Deadline,
            () => "health did not recover");
        var healthyAfter = back.Elapsed;
        await Poll.UntilAsync(() => status.Published >= publishedWhileDown + 15, Deadline, () => "frames did not flow again");
        Assert.Equal(1, status.Reconnects);
        Assert.Contains(producer.Logs.Entries, entry => entry.Message.Contains("reconnected", StringComparison.Ordinal));

        // A generous bound that a spinning reconnect loop (the original design's failure) would break many times over.
        Assert.True(cpuWhileDown < TimeSpan.FromSeconds(1.5),
            $"{cpuWhileDown.TotalSeconds:0.00} s CPU over a {outage.TotalSeconds:0.0} s outage");

        // Acknowledged frames are in Kafka in order; the first `published` of them must be numbered 0..published-1.
        var published = status.Published;
        var dropped = status.Dropped.ToDictionary();
        using var reader = new AspirePipeline.Tests.Consumers.TopicReader(broker.BootstrapServers, topic);
        var sequences = reader.ReadUntil((int)published, Deadline).Take((int)published)
            .Select(message => FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!.Sequence!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(value => (long)value), sequences);
        Assert.Equal(0, dropped.Values.Sum());

        report.Add("loss detected after (ms)", Millis.Of(detected));
        report.Add("loss warning logged", lossLog.Message.Length > 160 ? lossLog.Message[..160] + " ..." : lossLog.Message);
        report.Add("health while down", string.Join(", ", healthWhileDown.Distinct()) + $" ({healthWhileDown.Count} probes)");
        report.Add("outage (s)", Math.Round(outage.TotalSeconds, 1));
        report.Add("CPU used while waiting (s, producer host + ffmpeg attempts)", Math.Round(cpuWhileDown.TotalSeconds, 2));
        report.Add("first frame after camera back (ms)", Millis.Of(firstFrame));
        report.Add("healthy again after camera back (ms)", Millis.Of(healthyAfter));
        report.Add("reconnects counted", status.Reconnects);
        report.Add("frames acknowledged", published);
        report.Add("frames in topic, sequences contiguous 0..n-1", sequences.Count);
        report.Add("frames dropped", dropped);
        report.Write();
    }
}
