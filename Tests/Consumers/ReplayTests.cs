using System.Globalization;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

/// <summary><c>FrameProcessing:StartAt</c>: a new group replays a window of the frames topic from a point in time.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ReplayTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_group_started_at_a_point_in_time_replays_exactly_the_frames_from_there_marked_as_replayed_then_goes_on_live()
    {
        await using var broker = await BrokerProcess.StartAsync();
        var topics = await TestTopics.CreateAsync(broker.BootstrapServers, framePartitions: 1);
        using var frames = new FrameSource(broker.BootstrapServers, topics.Frames);
        // Two recorded stretches ten minutes ago, a minute apart: frames 0-9, then 10-19 (Kafka CreateTime timestamps).
        var recorded = DateTimeOffset.UtcNow.AddMinutes(-10);
        var window = recorded.AddMinutes(1);
        await frames.ProduceAsync("cam-replay", 0, 20, capturedAt: sequence =>
            (sequence < 10 ? recorded : window).AddSeconds(sequence % 10));

        await using var replay = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(broker.BootstrapServers, topics,
            $"replay-{Guid.NewGuid():N}", new Dictionary<string, string?>
            {
                ["FrameProcessing:StartAt"] = window.ToString("O", CultureInfo.InvariantCulture),
            });
        using var results = new TopicReader(broker.BootstrapServers, topics.Results);
        await Poll.UntilAsync(() =>
            {
                results.ReadToEnd(Deadline);
                return results.Records().Count >= 10;
            },
            Deadline, () => "ten results of the replayed window");

        var replayed = results.Records();
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long?)i), replayed.Select(r => r.Sequence));
        Assert.All(replayed, record => Assert.True(record.Replayed, $"frame {record.Sequence} is not marked as replayed"));

        // After the window the group carries on with live frames, which are not replays.
        await frames.ProduceAsync("cam-replay", 20, 5);
        await Poll.UntilAsync(() =>
            {
                results.ReadToEnd(Deadline);
                return results.Records().Count >= 15;
            },
            Deadline, () => "results of the live frames after the replay");
        var live = results.Records().Skip(10).ToList();
        Assert.Equal(Enumerable.Range(20, 5).Select(i => (long?)i), live.Select(r => r.Sequence));
        Assert.All(live, record => Assert.False(record.Replayed, $"live frame {record.Sequence} is marked as replayed"));
    }
}

/// <summary>What <c>FrameProcessing:StartAt</c> accepts.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ReplayStartTests
{
    [Theory]
    [InlineData("-90s", 90)]
    [InlineData("-30m", 30 * 60)]
    [InlineData("-1h", 3600)]
    [InlineData("-2d", 2 * 86400)]
    [InlineData("-1.5h", 5400)]
    public void A_duration_back_is_counted_from_the_start(string text, int seconds)
    {
        var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddSeconds(-seconds), ReplayStart.Parse(text, now, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("2026-12-06T10:00:00Z", null)]
    [InlineData("2026-12-07T10:00:00Z", "is in the future")]
    [InlineData("yesterday", "neither a duration back")]
    [InlineData("-1w", "neither a duration back")]
    public void A_timestamp_must_be_in_the_past_and_anything_else_is_named(string text, string? problem)
    {
        var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

        var parsed = ReplayStart.Parse(text, now, out var error);

        if (problem is null)
        {
            Assert.Equal(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture), parsed);
        }
        else
        {
            Assert.Null(parsed);
            Assert.Contains(problem, error, StringComparison.Ordinal);
            Assert.Contains("FrameProcessing:StartAt", error, StringComparison.Ordinal);
        }
    }
}
