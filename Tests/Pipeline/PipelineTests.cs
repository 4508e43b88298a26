using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>What a user checks of the running pipeline, read from the results topic the consumer groups write.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection(PipelineCollection.Name)]
public sealed class PipelineTests(PipelineFixture pipeline)
{
    private const int FramesPerCamera = 60;
    private const string MeanAnalyzer = "mean-intensity";

    /// <summary>Startup (group joins, first keyframes) plus 60 frames at 10 fps, with room for a loaded 2-core machine.</summary>
    private static readonly TimeSpan ResultsDeadline = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ClipDeadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Each_group_processes_at_least_60_frames_of_every_camera_in_one_contiguous_ordered_run()
    {
        var results = await pipeline.Results.WaitUntilAsync(
            all => Groups.All(group => PipelineFixture.Cameras.All(camera => Count(all, group, camera) >= FramesPerCamera)),
            ResultsDeadline,
            all => $"frames per group and camera: {Counts(all)}\n{pipeline.RecentOutput()}");

        foreach (var group in Groups)
        {
            foreach (var camera in PipelineFixture.Cameras)
            {
                var frames = results.Where(r => r.Group == group && r.Camera == camera).ToList();
                var sequences = frames.Select(r => r.Sequence ?? -1).Distinct().Order().ToList();
                Assert.True(sequences[0] >= 0, $"{group}/{camera}: a result without a sequence number");
                // Nothing lost in between: the distinct sequence numbers form one run.
                Assert.True(sequences[^1] - sequences[0] + 1 == sequences.Count,
                    $"{group}/{camera}: sequences {sequences[0]}..{sequences[^1]} " +
                    $"with {sequences[^1] - sequences[0] + 1 - sequences.Count} missing: {Gaps(sequences)}");

                // No reordering: along the frames topic's offsets the sequence numbers only grow.
                var byOffset = frames.DistinctBy(r => (r.Partition, r.Offset)).OrderBy(r => r.Offset).ToList();
                Assert.Single(byOffset.Select(r => r.Partition).Distinct()); // keyed by camera: one partition per camera
                for (var i = 1; i < byOffset.Count; i++)
                {
                    Assert.True(byOffset[i].Sequence > byOffset[i - 1].Sequence,
                        $"{group}/{camera}: offset {byOffset[i].Offset} carries sequence {byOffset[i].Sequence} after {byOffset[i - 1].Sequence}");
                }
            }
        }
    }

    [Fact]
    public async Task Mean_values_match_a_frame_read_straight_off_the_camera()
    {
        var frame = await CameraFrame.GrabAsync(pipeline.CameraUrl, PipelineFixture.Width, PipelineFixture.Height, TimeSpan.FromSeconds(30));
        var expected = frame.ChannelMeans();
        var grabbedAt = DateTimeOffset.UtcNow;

        // Results of frames processed around the moment of the grab (the ball moves; the background dominates).
        var results = await pipeline.Results.WaitUntilAsync(
            all => Recent(all, grabbedAt).Count >= 10,
            ResultsDeadline,
            all => $"mean-intensity results after {grabbedAt:O}: {Recent(all, grabbedAt).Count}\n{pipeline.RecentOutput()}");

        var recent = Recent(results, grabbedAt);
        Assert.All(recent, r => Assert.Equal((PipelineFixture.Width, PipelineFixture.Height), (r.Width, r.Height)));
        foreach (var (channel, value) in expected)
        {
            var measured = Median(recent.Select(r => r.Values[channel]));
            // JPEG and H.264 re-encoding and the moving ball shift a channel's mean by a few levels, no more.
            Assert.True(Math.Abs(measured - value) <= 6.0,
                $"{channel}: consumers measured {measured:F2}, the stream gives {value:F2} " +
                $"(all: {string.Join(", ", expected.Select(e => $"{e.Key}={e.Value:F1}"))})");
        }

        // The headline value is the mean over the channels.
        Assert.All(recent, r => Assert.Equal(r.Values.Values.Average(), r.Value, precision: 6));
    }

    [Fact]
    public async Task Every_configured_group_writes_its_own_analysis_of_the_cameras_it_watches_to_the_results_topic()
    {
        var groups = pipeline.Topology.Groups;
        Assert.True(groups.Count >= 3, $"the default topology has the mean, motion and people groups: {string.Join(", ", groups)}");
        var results = await pipeline.Results.WaitUntilAsync(
            all => groups.All(group => all.Any(r => r.Group == group.GroupId)),
            ResultsDeadline,
            all => $"groups seen: {string.Join(", ", all.Select(r => r.Group).Distinct())}\n{pipeline.RecentOutput()}");

        foreach (var group in groups)
        {
            var own = results.Where(r => r.Group == group.GroupId).ToList();
            Assert.Equal(group.Analyzer, Assert.Single(own.Select(r => r.Analyzer).Distinct()));
            Assert.All(own, r => Assert.True(group.Analyses(r.Camera),
                $"{group.Resource} analysed camera {r.Camera}, outside its cameras {string.Join(",", group.Cameras)}"));
            Assert.All(own, r => Assert.True(double.IsFinite(r.Value) && r.Value >= 0, $"{group.Resource}: value {r.Value}"));
        }
    }

    [Fact]
    public async Task The_people_group_finds_people_in_the_recorded_footage_and_raises_events_on_frames_events()
    {
        var people = Assert.Single(pipeline.Topology.Groups, group => group.Analyzer == PeopleDetector.AnalyzerName);
        Assert.Equal([PipelineFixture.FootageCamera], people.Cameras);

        var results = await pipeline.Results.WaitUntilAsync(
            all => all.Count(r => r.Group == people.GroupId && r.Value >= 1) >= 5,
            ResultsDeadline,
            all => $"{people.GroupId}: {all.Count(r => r.Group == people.GroupId)} results, " +
                $"values {string.Join(",", all.Where(r => r.Group == people.GroupId).TakeLast(10).Select(r => r.Value))}\n{pipeline.RecentOutput()}");
        Assert.All(results.Where(r => r.Group == people.GroupId), r => Assert.Equal(PipelineFixture.FootageCamera, r.Camera));

        var appeared = await EventsTopic.FirstAsync(pipeline.BootstrapServers, FrameTopics.Events,
            e => e.GetProperty("type").GetString() == PeopleDetector.PersonAppeared, ResultsDeadline);
        Assert.Equal(PipelineFixture.FootageCamera, appeared.GetProperty("camera").GetString());
        Assert.NotEmpty(appeared.GetProperty("detections").EnumerateArray());
    }

    [Fact]
    public async Task A_person_appeared_event_on_the_recorded_footage_has_its_clip_from_at_least_4_s_before_it()
    {
        // The people group raises person-appeared when it first sees people, seconds into the run (the footage always
        // has some), when its recording is younger than the clip's 5 s before. So it starts afresh, as after a
        // redeployment, once the footage has been recorded for a while: its next sight of them is an event with the
        // recording before it.
        var recordingStart = await FirstRecordedAsync(PipelineFixture.FootageCamera);
        await Poll.UntilAsync(() => DateTimeOffset.UtcNow >= recordingStart.AddSeconds(8), ClipDeadline,
            () => $"recording of {PipelineFixture.FootageCamera} began {recordingStart:O}");
        var group = Assert.Single(pipeline.Topology.Groups, g => g.Analyzer == PeopleDetector.AnalyzerName);
        var people = pipeline.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Single(resource => resource.Name == group.Resource);
        var restarted = DateTimeOffset.UtcNow;
        var restart = await pipeline.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(people, KnownResourceCommands.RestartCommand);
        Assert.True(restart.Success, $"restarting {people.Name}: {restart.Message}");
        var (appeared, partition, offset) = await EventsTopic.FirstWithPositionAsync(pipeline.BootstrapServers, FrameTopics.Events,
            e => e.GetProperty("type").GetString() == PeopleDetector.PersonAppeared
                && e.GetProperty("camera").GetString() == PipelineFixture.FootageCamera
                && e.GetProperty("processedTimestamp").GetDateTimeOffset() >= restarted,
            ClipDeadline, () => $"recording of {PipelineFixture.FootageCamera} began {recordingStart:O}; {people.Name} restarted {restarted:O}");
        var happened = appeared.GetProperty("captureTimestamp").GetDateTimeOffset();

        using var clips = pipeline.App.CreateHttpClient("clips", "http");
        // The service waits for the recording to pass the clip's end (10 s after the event) before it answers.
        clips.Timeout = ClipDeadline;
        using var response = await clips.GetAsync($"/events/{partition}/{offset}/clip");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        var first = DateTimeOffset.Parse(response.Headers.GetValues("Clip-First-Capture").Single(), CultureInfo.InvariantCulture);
        Assert.True(first <= happened.AddSeconds(-4), $"the clip starts at {first:O}, the event was at {happened:O}");
        var file = Path.Combine(Path.GetTempPath(), $"event-clip-{Guid.NewGuid():N}.mp4");
        try
        {
            await File.WriteAllBytesAsync(file, body);
            var probe = (await ChildProcess.RunAsync("ffprobe",
                ["-v", "error", "-select_streams", "v:0", "-show_entries", "format=duration:stream=codec_name", "-of", "default=nw=1", file],
                ClipDeadline)).EnsureSuccess("ffprobe of the event's clip");
            Assert.Contains("codec_name=h264", probe.StandardOutput, StringComparison.Ordinal);
            var duration = double.Parse(probe.StandardOutput.Split('\n').Single(line => line.StartsWith("duration=", StringComparison.Ordinal))[9..],
                CultureInfo.InvariantCulture);
            Assert.InRange(duration, 10, 20);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<DateTimeOffset> FirstRecordedAsync(string camera)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = pipeline.BootstrapServers,
            GroupId = $"recording-reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(FrameTopics.Video);
        return await Task.Run(() =>
        {
            var until = DateTime.UtcNow + ClipDeadline;
            while (DateTime.UtcNow < until)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result && result.Message.Key == camera)
                {
                    return result.Message.Timestamp.UtcDateTime;
                }
            }
            Assert.Fail($"{camera} is not recorded: nothing of it on {FrameTopics.Video} within {ClipDeadline}");
            return default(DateTimeOffset);
        });
    }

    [Fact]
    public async Task Two_replicas_of_one_group_split_the_partitions_and_process_no_frame_twice_in_steady_state()
    {
        // Steady state: both replicas have processed frames, so the group's rebalances are over.
        var settled = await pipeline.Results.WaitUntilAsync(
            all => Instances(all).Count == Replicated.Replicas,
            ResultsDeadline,
            all => $"{Replicated.GroupId} instances: {string.Join(", ", Instances(all))}\n{pipeline.RecentOutput()}");
        var steadyFrom = settled.Where(r => r.Group == Replicated.GroupId).Max(r => r.ProcessedTimestamp);

        var results = await pipeline.Results.WaitUntilAsync(
            all => Window(all, steadyFrom).Count >= 3 * FramesPerCamera,
            ResultsDeadline,
            all => $"{Replicated.GroupId} results after {steadyFrom:O}: {Window(all, steadyFrom).Count}");
        var window = Window(results, steadyFrom);

        var owners = window.GroupBy(r => r.Partition).ToDictionary(p => p.Key, p => p.Select(r => r.Instance).Distinct().ToList());
        Assert.All(owners, partition => Assert.True(partition.Value.Count == 1,
            $"partition {partition.Key} was processed by {string.Join(" and ", partition.Value)}"));
        Assert.Equal(Replicated.Replicas, owners.Values.Select(o => o[0]).Distinct().Count());
        Assert.Equal(PipelineFixture.Cameras.Length, owners.Count);

        var twice = window.GroupBy(r => (r.Partition, r.Offset)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"processed twice: {string.Join(", ", twice.Take(10))}");
    }

    [Fact]
    public async Task Each_consumer_group_links_its_live_view_from_the_dashboard()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var group in pipeline.Topology.Groups)
        {
            var linked = await pipeline.App.ResourceNotifications.WaitForResourceAsync(
                group.Resource, e => e.Snapshot.Urls.Any(u => u.DisplayProperties.DisplayName == "Live view"), timeout.Token);
            var url = linked.Snapshot.Urls.First(u => u.DisplayProperties.DisplayName == "Live view").Url;

            using var page = await http.GetAsync(url, timeout.Token);
            Assert.True(page.IsSuccessStatusCode, $"{group.Resource}: {url} answered {(int)page.StatusCode}");
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>The groups that see every frame of the test-pattern cameras.</summary>
    private IEnumerable<string> Groups => pipeline.TestPatternGroups.Select(group => group.GroupId);

    private PipelineGroup Replicated => pipeline.ReplicatedGroup;

    private PipelineGroup MeanGroup => pipeline.Topology.Groups.Single(group => group.Analyzer == MeanAnalyzer);

    private static int Count(IReadOnlyList<AnalysisRecord> all, string group, string camera) =>
        all.Where(r => r.Group == group && r.Camera == camera).Select(r => r.Sequence).Distinct().Count();

    private string Counts(IReadOnlyList<AnalysisRecord> all) =>
        string.Join(", ", Groups.SelectMany(g => PipelineFixture.Cameras.Select(c => $"{g}/{c}={Count(all, g, c)}")));

    /// <summary>The mean-intensity group's results of the camera <see cref="PipelineFixture.CameraUrl"/> names.</summary>
    private List<AnalysisRecord> Recent(IReadOnlyList<AnalysisRecord> all, DateTimeOffset from) =>
        all.Where(r => r.Group == MeanGroup.GroupId && r.Camera == PipelineFixture.Cameras[0] && r.ProcessedTimestamp >= from).ToList();

    private List<string> Instances(IReadOnlyList<AnalysisRecord> all) =>
        all.Where(r => r.Group == Replicated.GroupId).Select(r => r.Instance).Distinct().ToList();

    /// <summary>The replicated group's results of the test-pattern cameras after <paramref name="after"/>.</summary>
    private List<AnalysisRecord> Window(IReadOnlyList<AnalysisRecord> all, DateTimeOffset after) =>
        all.Where(r => r.Group == Replicated.GroupId && PipelineFixture.Cameras.Contains(r.Camera) && r.ProcessedTimestamp > after).ToList();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Gaps(List<long> sequences) =>
        string.Join(", ", sequences.Zip(sequences.Skip(1)).Where(p => p.Second != p.First + 1).Take(5).Select(p => $"{p.First}->{p.Second}"));
}
