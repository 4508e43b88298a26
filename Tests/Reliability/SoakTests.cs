using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// Scenario 7: four synthetic 720p cameras through the Producer, Consumer and Consumer2 processes and a durable broker
/// for a bounded time (60 s in the suite; <c>RELIABILITY_SOAK_SECONDS</c> makes it longer).
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class SoakTests
{
    private const int Cameras = 4;
    private const int Fps = 5;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    // Bounds on growth between the end of the warm-up (first third) and the end of the run, per process.
    private const long MaxResidentGrowthBytes = 96L * 1024 * 1024;
    private const int MaxHandleGrowth = 16;

    [Fact]
    public async Task Four_720p_cameras_through_both_groups_lose_nothing_keep_memory_and_handles_bounded_and_lag_returns_to_zero()
    {
        var duration = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("RELIABILITY_SOAK_SECONDS"),
            CultureInfo.InvariantCulture, out var seconds) ? seconds : 60);
        var report = new Observations("7-soak", "Soak (bounded)",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.SoakTests (RELIABILITY_SOAK_SECONDS=600 for ten minutes)")
        {
            Injected = $"{Cameras} synthetic 1280x720 cameras at {Fps} fps (JPEG) for {duration.TotalSeconds:0} s: Producer, Consumer "
                + "and Consumer2 as processes, durable broker, 4 partitions",
        };
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: Cameras);
        var groups = new[] { ("Consumer", $"mean-{Guid.NewGuid():N}"[..13]), ("Consumer2", $"motion-{Guid.NewGuid():N}"[..15]) };
        var services = new List<ServiceProcess>();
        try
        {
            foreach (var (project, group) in groups)
            {
                services.Add(PipelineServices.StartGroup(project, broker.BootstrapServers, topics, group));
            }
            var producer = PipelineServices.StartSyntheticProducer(broker.BootstrapServers, topics.Frames, Cameras, Fps);
            services.Add(producer);
            foreach (var service in services)
            {
                await service.ListeningAsync(Deadline);
            }

            var watched = services.Select(service => (Project: service.Project, Pid: service.Pid))
                .Append((Project: "Broker", Pid: broker.ProcessId)).ToList();
            var samples = new List<(TimeSpan At, Dictionary<string, (long Rss, int Handles)> Of)>();
            var clock = Stopwatch.StartNew();
            await Poll.SampleForAsync(duration, TimeSpan.FromSeconds(5), () =>
            {
                Assert.All(services, service => Assert.False(service.HasExited, $"{service.Project} exited.\n{service.Output}"));
                samples.Add((clock.Elapsed, watched.ToDictionary(item => item.Project,
                    item => (ProcStat.ResidentBytes(item.Pid), ProcStat.OpenHandles(item.Pid)))));
                return Task.CompletedTask;
            });
            samples.Add((clock.Elapsed, watched.ToDictionary(item => item.Project,
                item => (ProcStat.ResidentBytes(item.Pid), ProcStat.OpenHandles(item.Pid)))));

            // SIGTERM: the producer flushes what Kafka has not acknowledged yet, then exits.
            using (var term = Process.Start("kill", ["-TERM", producer.Pid.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            Assert.Equal(0, await producer.WaitForExitAsync(Deadline));
            var stopped = Stopwatch.StartNew();

            using var frames = new TopicReader(broker.BootstrapServers, topics.Frames, Cameras);
            var inTopic = frames.ReadToEnd(Deadline).Select(message => FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!)
                .Select(metadata => (Camera: metadata.CameraId!, Sequence: metadata.Sequence!.Value)).ToHashSet();
            var gaps = inTopic.GroupBy(frame => frame.Camera)
                .Sum(camera => camera.Max(frame => frame.Sequence) + 1 - camera.Count());

            await Poll.UntilAsync(() => groups.All(group => Lag(broker.BootstrapServers, group.Item2, topics.Frames) == 0),
                Deadline,
                () => string.Join(", ", groups.Select(group => $"{group.Item2} lag {Lag(broker.BootstrapServers, group.Item2, topics.Frames)}")),
                interval: TimeSpan.FromMilliseconds(1000));
            var lagZeroAfterStop = stopped.Elapsed;

            using var results = new TopicReader(broker.BootstrapServers, topics.Results);
            var records = results.ReadToEnd(Deadline)
                .Select(message => JsonSerializer.Deserialize<AnalysisRecord>(message.Message.Value, JsonSerializerOptions.Web)!).ToList();
            foreach (var (project, group) in groups)
            {
                var delivered = records.Where(record => record.Group == group)
                    .Select(record => (Camera: record.Camera, Sequence: record.Sequence!.Value)).ToList();
                var missing = inTopic.Except(delivered).ToList();
                Assert.True(missing.Count == 0,
                    $"{project}: {missing.Count} frames in the topic have no result, e.g. {string.Join(", ", missing.Take(5))}");
                report.Add($"{project}: frames delivered / duplicates",
                    $"{delivered.Distinct().Count()} / {delivered.Count - delivered.Distinct().Count()}");
            }

            var warm = samples[samples.Count / 3];
            var end = samples[^1];
            foreach (var (project, _) in watched)
            {
                var growth = end.Of[project].Rss - warm.Of[project].Rss;
                var handles = end.Of[project].Handles - warm.Of[project].Handles;
                report.Add($"{project}: RSS MB at {warm.At.TotalSeconds:0} s / end (growth)",
                    $"{Mb(warm.Of[project].Rss)} / {Mb(end.Of[project].Rss)} ({Mb(growth)})");
                report.Add($"{project}: open handles at {warm.At.TotalSeconds:0} s / end", $"{warm.Of[project].Handles} / {end.Of[project].Handles}");
                Assert.True(growth < MaxResidentGrowthBytes, $"{project} grew {Mb(growth)} MB after warm-up");
                Assert.True(handles < MaxHandleGrowth, $"{project} opened {handles} more handles after warm-up");
            }
            report.Add("frames acknowledged (in topic, all cameras)", inTopic.Count);
            report.Add("frame rate achieved (frames/s, all cameras)", Math.Round(inTopic.Count / duration.TotalSeconds, 1));
            report.Add("sequence gaps in topic (frames dropped by the producer)", gaps);
            report.Add("lag of both groups back to 0 after the producer stopped (ms)", Millis.Of(lagZeroAfterStop));
            report.Add("bounds asserted",
                $"RSS growth < {Mb(MaxResidentGrowthBytes)} MB, handle growth < {MaxHandleGrowth} per process after warm-up");
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

    private static long Mb(long bytes) => bytes / (1024 * 1024);

    /// <summary>Sum over partitions of high watermark minus the group's committed offset.</summary>
    private static long Lag(string bootstrap, string group, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
        }).Build();
        var partitions = Enumerable.Range(0, Cameras).Select(partition => new TopicPartition(topic, partition)).ToList();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        return committed.Sum(offset =>
        {
            var high = consumer.QueryWatermarkOffsets(offset.TopicPartition, TimeSpan.FromSeconds(10)).High.Value;
            return high - (offset.Offset.IsSpecial ? 0 : offset.Offset.Value);
        });
    }
}
