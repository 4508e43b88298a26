using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using TestTopics = AspirePipeline.Tests.Consumers.TestTopics;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// Scenario 9 (issue 22): recovery from overload. Four synthetic 720p cameras through the Producer, Consumer and
/// Consumer2 processes; Consumer2's process is stopped (SIGSTOP) for 20 s, longer than the group's session timeout, so
/// it also loses its membership, then resumed (SIGCONT). Its group must drain the backlog and be back on time, with
/// nothing missing or dead-lettered, while the other group goes on as if nothing happened.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class OverloadRecoveryTests
{
    private const int Cameras = 4;
    private const int Fps = 15;
    private const double MaxP99Ms = 100;
    private static readonly TimeSpan Stopped = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CatchUpBound = TimeSpan.FromSeconds(30);
    // On time again means: from this instant on, this long of results all keep p99 under the bound.
    private static readonly TimeSpan OnTimeSpan = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_group_stopped_for_20_s_catches_up_within_30_s_with_nothing_missing_while_the_other_group_stays_on_time()
    {
        var report = new Observations("9-overload", "Overload recovery: one group stopped for 20 s, then resumed",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.OverloadRecoveryTests")
        {
            Injected = $"{Cameras} synthetic 1280x720 cameras at {Fps} fps (JPEG) through the Producer, Consumer (mean) and Consumer2 "
                + $"(motion) processes and a durable broker; Consumer2 stopped with SIGSTOP for {Stopped.TotalSeconds:0} s "
                + "(past its 10 s session timeout) and resumed with SIGCONT",
        };
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: Cameras);
        var mean = $"mean-{Guid.NewGuid():N}"[..13];
        var motion = $"motion-{Guid.NewGuid():N}"[..15];
        var services = new List<ServiceProcess>();
        try
        {
            var meanService = PipelineServices.StartGroup("Consumer", broker.BootstrapServers, topics, mean);
            var motionService = PipelineServices.StartGroup("Consumer2", broker.BootstrapServers, topics, motion);
            services.AddRange([meanService, motionService]);
            var producer = PipelineServices.StartSyntheticProducer(broker.BootstrapServers, topics.Frames, Cameras, Fps);
            services.Add(producer);
            var motionAddress = (Uri?)null;
            foreach (var service in services)
            {
                var address = await service.ListeningAsync(Deadline);
                motionAddress = service == motionService ? address : motionAddress;
            }

            using var results = new TopicReader(broker.BootstrapServers, topics.Results);
            List<AnalysisRecord> Records(string group) => results.Records().Where(record => record.Group == group).ToList();
            // Warm: both groups on time for a few seconds before the fault.
            await Poll.UntilAsync(() => results.ReadToEnd(Deadline).Count > 0
                    && new[] { mean, motion }.All(group => Records(group).Count(r => r.LatencyMs < MaxP99Ms) >= Cameras * Fps * 3),
                Deadline, () => $"results so far: {results.Messages.Count}", interval: TimeSpan.FromMilliseconds(500));

            Signal("STOP", motionService.Pid);
            var stoppedAt = DateTimeOffset.UtcNow;
            await Poll.SampleForAsync(Stopped, TimeSpan.FromMilliseconds(500), () =>
            {
                results.ReadToEnd(Deadline);
                return Task.CompletedTask;
            });
            Signal("CONT", motionService.Pid);
            var resumedAt = DateTimeOffset.UtcNow;
            var resumed = Stopwatch.StartNew();

            // Lag back to (about) zero: the consumer's own count, from the high watermark it last fetched.
            using var http = new HttpClient { BaseAddress = motionAddress, Timeout = TimeSpan.FromSeconds(5) };
            long lastLag = -1;
            var lagZeroAfter = await Poll.UntilAsync(async () =>
            {
                results.ReadToEnd(Deadline);
                try
                {
                    lastLag = (await http.GetFromJsonAsync<JsonElement>("stats")).GetProperty("stats").GetProperty("lag").GetInt64();
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                return lastLag <= Cameras && resumed.Elapsed > TimeSpan.FromSeconds(1);
            }, CatchUpBound + TimeSpan.FromSeconds(10), () => $"{motion} lag {lastLag} {resumed.Elapsed.TotalSeconds:0} s after resuming",
                interval: TimeSpan.FromMilliseconds(250));

            // Then enough results to judge the time after it.
            await Poll.UntilAsync(() => results.ReadToEnd(Deadline).Count > 0
                    && Records(motion).Any(r => r.ProcessedTimestamp > resumedAt + lagZeroAfter + OnTimeSpan),
                Deadline, () => $"{motion}: no results yet {OnTimeSpan.TotalSeconds:0} s after its lag reached zero");
            var motionAfter = Records(motion).Where(r => r.ProcessedTimestamp >= resumedAt).OrderBy(r => r.ProcessedTimestamp).ToList();
            var onTimeAt = OnTimeFrom(motionAfter);
            Assert.True(onTimeAt is not null,
                $"{motion} was not on time again (p99 under {MaxP99Ms} ms for {OnTimeSpan.TotalSeconds:0} s) after resuming");
            var catchUp = onTimeAt!.Value - resumedAt;
            var drained = motionAfter.Count(r => r.ProcessedTimestamp <= onTimeAt);
            report.Add("backlog when resumed (frames, about)", Math.Round(Cameras * Fps * Stopped.TotalSeconds));
            report.Add("resumed group: lag back to zero after (ms)", Millis.Of(lagZeroAfter));
            report.Add("resumed group: p99 under 100 ms again after (ms)", Millis.Of(catchUp));
            report.Add("resumed group: drain rate while behind (frames/s) / arrival rate",
                $"{Math.Round(drained / Math.Max(catchUp.TotalSeconds, 0.001))} / {Cameras * Fps}");
            Assert.True(catchUp <= CatchUpBound,
                $"{motion} took {catchUp.TotalSeconds:F1} s to be on time again, more than {CatchUpBound.TotalSeconds:0} s");

            // The other group, from the fault to the end of the recovery.
            var meanDuring = Records(mean).Where(r => r.ProcessedTimestamp >= stoppedAt && r.ProcessedTimestamp <= onTimeAt)
                .Select(r => r.LatencyMs!.Value).Order().ToList();
            var meanP99 = meanDuring[(int)Math.Ceiling(0.99 * meanDuring.Count) - 1];
            report.Add("other group: frames / p99 latency ms during the stop and the recovery", $"{meanDuring.Count} / {meanP99:F0}");
            Assert.True(meanP99 < MaxP99Ms, $"{mean} p99 was {meanP99:F0} ms while the other group was stopped and catching up");

            // Nothing missing: stop the producer, let both groups finish, and every frame in the topic has a result.
            Signal("TERM", producer.Pid);
            Assert.Equal(0, await producer.WaitForExitAsync(Deadline));
            using var frames = new TopicReader(broker.BootstrapServers, topics.Frames, Cameras);
            var inTopic = frames.ReadToEnd(Deadline).Select(message => FrameMetadata.ReadHeaders(message.Message.Headers.AsLookup())!)
                .Select(metadata => (Camera: metadata.CameraId!, Sequence: metadata.Sequence!.Value)).ToHashSet();
            await Poll.UntilAsync(() =>
            {
                results.ReadToEnd(Deadline);
                return new[] { mean, motion }.All(group => inTopic.IsSubsetOf(Records(group).Select(r => (r.Camera, r.Sequence!.Value))));
            }, Deadline, () => string.Join(", ", new[] { mean, motion }.Select(group =>
                $"{group}: {inTopic.Except(Records(group).Select(r => (r.Camera, r.Sequence!.Value))).Count()} frames without a result")),
                interval: TimeSpan.FromMilliseconds(500));
            using var deadLetters = new TopicReader(broker.BootstrapServers, topics.DeadLetter);
            Assert.Empty(deadLetters.ReadToEnd(Deadline));
            foreach (var group in new[] { mean, motion })
            {
                var delivered = Records(group).Select(r => (r.Camera, r.Sequence!.Value)).ToList();
                report.Add($"{(group == mean ? "other" : "resumed")} group: frames delivered / duplicates",
                    $"{delivered.Distinct().Count()} / {delivered.Count - delivered.Distinct().Count()}");
            }
            report.Add("frames acknowledged (in topic) / dead-lettered", $"{inTopic.Count} / 0");
            report.Add("bounds asserted", $"resumed group on time (p99 < {MaxP99Ms:0} ms for {OnTimeSpan.TotalSeconds:0} s) within "
                + $"{CatchUpBound.TotalSeconds:0} s of resuming; the other group's p99 < {MaxP99Ms:0} ms throughout; "
                + "every frame has a result in both groups; none dead-lettered");
        }
        finally
        {
            foreach (var service in services)
            {
                if (!service.HasExited)
                {
                    // A stopped process cannot act on SIGTERM or SIGKILL's clean-up until it runs again.
                    Signal("CONT", service.Pid);
                }
                await service.DisposeAsync();
            }
        }
        report.Write();
    }

    /// <summary>
    /// The processing time of the first result after which every result for <see cref="OnTimeSpan"/> keeps the
    /// group's p99 under the bound, or null when there is none in <paramref name="results"/> (ordered by processing).
    /// </summary>
    private static DateTimeOffset? OnTimeFrom(IReadOnlyList<AnalysisRecord> results)
    {
        for (var first = 0; first < results.Count; first++)
        {
            var from = results[first].ProcessedTimestamp;
            if (results[^1].ProcessedTimestamp < from + OnTimeSpan)
            {
                return null;
            }
            var span = results.Skip(first).TakeWhile(r => r.ProcessedTimestamp <= from + OnTimeSpan)
                .Select(r => r.LatencyMs ?? double.MaxValue).Order().ToList();
            if (span[(int)Math.Ceiling(0.99 * span.Count) - 1] < MaxP99Ms)
            {
                return from;
            }
        }
        return null;
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
