using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;

namespace AspirePipeline.Tests.Retention;

/// <summary>
/// The AppHost as <c>./run.sh</c> starts it, with a small frames retention: the broker deletes old segments while
/// the camera streams, and the frames topic's files stay within the declared bound.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class PipelineRetentionTests
{
    private const long RetentionBytes = 1024 * 1024;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_running_pipeline_deletes_old_frames_and_holds_the_data_directory_under_the_bound()
    {
        // One camera, so one partition takes every frame; segments are an eighth of the bound, at least 1 MiB.
        await using var appHost = await RunningAppHost.StartAsync(
            [
                "--Camera:Mode=Process", "--Camera:Width=640", "--Camera:Height=360", "--Camera:Fps=10",
                "--Cameras:footage:Enabled=false", "--Pipeline:Groups:people:Enabled=false",
                $"--Pipeline:FramesRetention:BytesPerPartition={RetentionBytes}",
                "--Kafka:Broker:RetentionCheckIntervalMs=500",
            ],
            ["kafka", "camera", "producer"], StartTimeout);
        var bootstrap = await appHost.ConnectionStringAsync("kafka");
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(
            new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "retention-observer" }).Build();
        var partitions = Enumerable.Range(0, 3).Select(p => new TopicPartition("frames", p)).ToList();

        // Retention has deleted frames once a partition's log starts after offset 0.
        await Poll.UntilAsync(() => partitions.Any(p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).Low.Value > 0),
            Deadline, () => $"no frames segment was deleted\n{appHost.RecentOutput()}", interval: TimeSpan.FromMilliseconds(500));

        // From then on, every look at the disk finds each partition within retention.bytes + one segment + what
        // arrives between two retention checks (a 640x360 JPEG stream brings well under 1 MiB per half second).
        const long bound = RetentionBytes + (1024 * 1024) + (1024 * 1024);
        var largest = 0L;
        for (var look = 0; look < 20; look++)
        {
            foreach (var directory in Directory.EnumerateDirectories(appHost.DataDirectory, "frames-*"))
            {
                var bytes = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length);
                largest = Math.Max(largest, bytes);
                Assert.True(bytes <= bound, $"{Path.GetFileName(directory)} holds {bytes} bytes, over the bound of {bound}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        // The stream kept going meanwhile: the newest frames are there.
        Assert.Contains(partitions, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value
            > consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).Low.Value);
        Assert.True(largest > RetentionBytes / 2, $"the largest partition held only {largest} bytes: the test did not fill it");
    }
}
