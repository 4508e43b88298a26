using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

/// <summary>The consumer service across a broker crash (SIGKILL) and restart on the same data directory.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ConsumerRecoveryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_a_broker_crash_and_restart_the_consumer_carries_on_without_losing_a_frame()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: 2);
        using var frames = new FrameSource(broker.BootstrapServers, topics.Frames);
        await frames.ProduceAsync("cam-r", 0, 10);

        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(broker.BootstrapServers, topics,
            $"group-{Guid.NewGuid():N}");
        await Poll.UntilAsync(() => host.Statistics.FramesProcessed >= 10, Deadline, () => "the first ten frames are processed");

        await broker.RestartAsync();
        await frames.ProduceAsync("cam-r", 10, 10);

        // Results of frames processed before the crash may repeat (offsets not yet committed); none may be missing.
        using var results = new TopicReader(broker.BootstrapServers, topics.Results);
        await Poll.UntilAsync(() =>
            {
                results.ReadToEnd(Deadline);
                return results.Records().Select(record => record.Sequence).Distinct().Count() == 20;
            }, Deadline, () => "every frame produced before and after the restart has a result");
        var sequences = results.Records().Select(record => record.Sequence!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), sequences.Distinct().Order());
    }
}
