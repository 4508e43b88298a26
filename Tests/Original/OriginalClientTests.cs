using System.Text;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.FrameProcessing.Reporting;
using Confluent.Kafka;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Original;

/// <summary>
/// The original design's own clients against the pipeline started by the AppHost in the original format: its Go
/// producer's frames are processed by both groups, and its Python consumer reads our producer's frames with the
/// means our consumer reports.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection(OriginalFormatPipelineCollection.Name)]
public sealed class OriginalClientTests(OriginalFormatPipelineFixture pipeline) : IDisposable
{
    private const int GoFrames = 12;
    private const int PythonFrames = 20;
    private IEnumerable<string> Groups => pipeline.Topology.Groups.Select(group => group.GroupId);
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ResultsDeadline = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _buildDirectory = Directory.CreateTempSubdirectory("aspirepipeline-go-");

    [Fact]
    public async Task Both_groups_process_every_frame_of_the_original_go_producer_with_its_mean_and_dead_letter_none()
    {
        var producer = await OriginalClients.BuildGoProducerAsync(_buildDirectory.FullName);

        var sent = await OriginalClients.ProduceAsync(producer, pipeline.BootstrapServers, FrameTopics.Frames, GoFrames,
            OriginalFormatPipelineFixture.Width, OriginalFormatPipelineFixture.Height, ClientTimeout);

        Assert.Equal(Enumerable.Range(0, GoFrames), sent.Select(frame => frame.Frame).Order());
        var positions = sent.Select(frame => (frame.Partition, frame.Offset)).ToHashSet();
        var results = await pipeline.Results.WaitUntilAsync(
            all => Groups.All(group => positions.IsSubsetOf(Positions(all, group))),
            ResultsDeadline,
            all => "Go frames processed per group: "
                + $"{string.Join(", ", Groups.Select(g => $"{g}={Positions(all, g).Intersect(positions).Count()}/{GoFrames}"))}; "
                + $"dead-lettered: {string.Join(" | ", DeadLettered(positions))}\n{pipeline.RecentOutput()}");

        foreach (var frame in sent)
        {
            foreach (var group in Groups)
            {
                var result = results.First(r => r.Group == group && (r.Partition, r.Offset) == (frame.Partition, frame.Offset));
                Assert.Equal(OriginalFormatPipelineFixture.HeaderlessCamera, result.Camera);
                Assert.Null(result.Sequence);
                Assert.Equal((OriginalFormatPipelineFixture.Width, OriginalFormatPipelineFixture.Height), (result.Width, result.Height));
            }

            var mean = results.First(r => r.Group == pipeline.MeanGroup
                && (r.Partition, r.Offset) == (frame.Partition, frame.Offset));
            // Lossless all the way: our mean of the B, G and R channel means is the original's img.mean() exactly.
            Assert.True(Math.Abs(mean.Value - frame.Mean) < 1e-6,
                $"Go frame {frame.Frame} at {frame.Partition}/{frame.Offset}: consumer measured {mean.Value}, the Go producer sent {frame.Mean}");
        }

        Assert.Empty(DeadLettered(positions));
    }

    [Fact]
    public async Task The_original_python_consumer_decodes_every_frame_of_the_pipeline_with_the_mean_our_consumer_reports()
    {
        var frames = await OriginalClients.ConsumeAsync(pipeline.BootstrapServers, FrameTopics.Frames,
            $"original-python-{Guid.NewGuid():N}", PythonFrames, ClientTimeout);

        Assert.True(frames.Count >= PythonFrames, $"the original consumer read {frames.Count} frames");
        Assert.All(frames, frame =>
        {
            Assert.Null(frame.Error);
            Assert.Equal((OriginalFormatPipelineFixture.Height, OriginalFormatPipelineFixture.Width), (frame.Rows, frame.Cols));
        });

        var positions = frames.Select(frame => (frame.Partition, frame.Offset)).ToHashSet();
        var results = await pipeline.Results.WaitUntilAsync(
            all => positions.IsSubsetOf(Positions(all, pipeline.MeanGroup)),
            ResultsDeadline,
            all => $"{Positions(all, pipeline.MeanGroup).Intersect(positions).Count()} of the {positions.Count} frames " +
                $"the original consumer read have a result of {pipeline.MeanGroup}\n{pipeline.RecentOutput()}");

        var ours = results.Where(r => r.Group == pipeline.MeanGroup)
            .DistinctBy(r => (r.Partition, r.Offset))
            .ToDictionary(r => (r.Partition, r.Offset));
        foreach (var frame in frames)
        {
            var result = ours[(frame.Partition, frame.Offset)];
            Assert.True(Math.Abs(result.Value - frame.Mean!.Value) <= 1.0,
                $"{frame.Partition}/{frame.Offset}: the original consumer's img.mean() is {frame.Mean}, ours {result.Value}");
        }
        // The frames came from our producer in the original format (the Go test may have added some of its own).
        Assert.Contains(frames, frame => ours[(frame.Partition, frame.Offset)].Camera == OriginalFormatPipelineFixture.PipelineCamera);
    }

    public void Dispose() => _buildDirectory.Delete(recursive: true);

    private static HashSet<(int Partition, long Offset)> Positions(IReadOnlyList<AnalysisRecord> results, string group) =>
        results.Where(r => r.Group == group).Select(r => (r.Partition, r.Offset)).ToHashSet();

    /// <summary>What the consumers dead-lettered of the given frames: reason and error, read to the end of the DLQ topic.</summary>
    private List<string> DeadLettered(HashSet<(int Partition, long Offset)> positions)
    {
        var sources = positions.Select(p => $"{FrameTopics.Frames}/{p.Partition}/{p.Offset}").ToHashSet(StringComparer.Ordinal);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = pipeline.BootstrapServers,
            GroupId = $"dlq-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        var partition = new TopicPartition(FrameTopics.DeadLetter, 0);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var found = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var message = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (message is null)
            {
                continue;
            }
            if (message.IsPartitionEOF)
            {
                return found;
            }
            var headers = message.Message.Headers;
            if (headers.TryGetLastBytes(DeadLetterHeaders.Source, out var source) && sources.Contains(Encoding.UTF8.GetString(source)))
            {
                headers.TryGetLastBytes(DeadLetterHeaders.Reason, out var reason);
                headers.TryGetLastBytes(DeadLetterHeaders.Error, out var error);
                found.Add($"{Encoding.UTF8.GetString(source)}: {Encoding.UTF8.GetString(reason ?? [])} {Encoding.UTF8.GetString(error ?? [])}");
            }
        }
        Assert.Fail($"Could not read {FrameTopics.DeadLetter} to its end within 30 s");
        return found;
    }
}
