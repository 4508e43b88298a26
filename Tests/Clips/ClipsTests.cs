using System.Globalization;
using System.Net;
using System.Text.Json;
using AspirePipeline.Clips;
using AspirePipeline.Clips.Web;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;

namespace AspirePipeline.Tests.Clips;

/// <summary>The Clips service on a real broker holding two cameras' recordings: clips, their errors, event clips, pages.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ClipsTests(ClipsFixture fixture) : IClassFixture<ClipsFixture>
{
    private const double FrameSeconds = 1.0 / RecordedStream.Fps;
    private const double GopSeconds = (double)RecordedStream.Gop / RecordedStream.Fps;

    [Fact]
    public async Task A_clip_from_the_middle_starts_at_a_keyframe_spans_the_range_and_has_the_sources_pixels_at_the_same_pts()
    {
        var from = fixture.Start.AddSeconds(10.5);
        var to = fixture.Start.AddSeconds(20.5);

        var (response, mp4, body) = await fixture.GetAsync(ClipsFixture.ClipPath(ClipsFixture.Camera, from, to));

        Assert.True(response.StatusCode == HttpStatusCode.OK && mp4 is not null, $"{(int)response.StatusCode}: {body}\n{fixture.Service.Output}");
        try
        {
            var (codec, width, height, duration) = await VideoProbe.StreamAsync(mp4);
            Assert.Equal(("h264", 640, 360), (codec, width, height));
            // The last keyframe at or before `from` (10.0 s) to the last frame at or before `to` (20.5 s): the range within one GOP.
            Assert.InRange(duration, 10 - FrameSeconds, 10 + GopSeconds + FrameSeconds);

            var frames = await VideoProbe.FramesAsync(mp4);
            Assert.Equal((true, "I"), (frames[0].Key, frames[0].PictType));
            var firstIndex = FrameIndex(Header(response, ClipHeaders.FirstCapture));
            var lastIndex = FrameIndex(Header(response, ClipHeaders.LastCapture));
            Assert.Equal(300, firstIndex);
            Assert.Equal(615, lastIndex);
            Assert.Equal(lastIndex - firstIndex + 1, frames.Count);
            Assert.Equal(frames.Count.ToString(CultureInfo.InvariantCulture), Header(response, ClipHeaders.Frames));
            Assert.Equal(ClipHeaders.AtOrBeforeFrom, Header(response, ClipHeaders.StartKeyframe));
            Assert.Equal("true", Header(response, ClipHeaders.Complete));
            // Frame i of the clip is the source's frame firstIndex + i: same PTS distance from the start ...
            Assert.All(frames.Select((frame, i) => (frame.Time - frames[0].Time, i)),
                pair => Assert.Equal(pair.i * FrameSeconds, pair.Item1, 0.002));

            // ... and, nothing being re-encoded, the same pixels, byte for byte.
            var clipGray = mp4 + ".gray";
            var sourceGray = mp4 + ".source.gray";
            try
            {
                await VideoProbe.DecodeGrayAsync(mp4, clipGray);
                await VideoProbe.DecodeGrayAsync(fixture.Source.Path, sourceGray, firstIndex, lastIndex);
                var frameBytes = fixture.Source.Width * fixture.Source.Height;
                Assert.Equal((long)frames.Count * frameBytes, new FileInfo(clipGray).Length);
                Assert.Equal(new FileInfo(sourceGray).Length, new FileInfo(clipGray).Length);
                var different = VideoProbe.FirstDifferentFrame(clipGray, sourceGray, frameBytes);
                Assert.True(different is null, $"Clip frame {different} differs from source frame {firstIndex + different}.");
            }
            finally
            {
                File.Delete(clipGray);
                File.Delete(sourceGray);
            }
        }
        finally
        {
            File.Delete(mp4);
        }
    }

    [Fact]
    public async Task A_range_before_what_retention_keeps_is_refused_saying_what_the_topic_keeps_of_the_camera()
    {
        var (response, _, body) = await fixture.GetAsync(
            ClipsFixture.ClipPath(ClipsFixture.Camera, fixture.Start.AddMinutes(-10), fixture.Start.AddMinutes(-9)));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        var last = fixture.Start.AddMilliseconds(fixture.Source.OffsetMs(fixture.Source.Units.Count - 1));
        Assert.Contains($"{FrameTopics.Video} keeps camera {ClipsFixture.Camera} from {Instants.Format(fixture.Start)} to {Instants.Format(last)}",
            Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_camera_is_404_naming_the_cameras_that_have_recordings()
    {
        var (response, _, body) = await fixture.GetAsync(ClipsFixture.ClipPath("cam-nobody", fixture.Start, fixture.Start.AddSeconds(5)));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var detail = Detail(body);
        Assert.Contains("No recording of camera 'cam-nobody'", detail, StringComparison.Ordinal);
        Assert.Contains($"Cameras with recordings: {ClipsFixture.Camera} (", detail, StringComparison.Ordinal);
        Assert.Contains($"; {ClipsFixture.OtherCamera} (", detail, StringComparison.Ordinal);

        var (page, _, _) = await fixture.GetAsync("/clips/cam-nobody");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Theory]
    [InlineData(12, 12, "must be before to")]
    [InlineData(12, 11, "must be before to")]
    [InlineData(0, 660, "a clip is at most 10 min (Clips:MaxDuration)")]
    public async Task A_range_that_is_empty_reversed_or_too_long_is_a_bad_request(int fromSeconds, int toSeconds, string expected)
    {
        var (response, _, body) = await fixture.GetAsync(
            ClipsFixture.ClipPath(ClipsFixture.Camera, fixture.Start.AddSeconds(fromSeconds), fixture.Start.AddSeconds(toSeconds)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, Detail(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("from=2026-12-07T10:00:00&to=2026-12-07T10:00:05Z", "has no time zone")]
    [InlineData("from=yesterday&to=1796630405000", "neither an ISO 8601 instant")]
    [InlineData("from=1796630400000", "Give both from and to")]
    public async Task Instants_that_cannot_be_read_are_a_bad_request_saying_what_would_do(string query, string expected)
    {
        var (response, _, body) = await fixture.GetAsync($"/clips/{ClipsFixture.Camera}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, Detail(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_given_in_unix_milliseconds_is_served_too()
    {
        var from = fixture.Start.AddSeconds(2).ToUnixTimeMilliseconds();
        var to = fixture.Start.AddSeconds(4).ToUnixTimeMilliseconds();

        var (response, mp4, body) = await fixture.GetAsync($"/clips/{ClipsFixture.Camera}?from={from}&to={to}");

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        File.Delete(mp4!);
        Assert.Equal((60, 120), (FrameIndex(Header(response, ClipHeaders.FirstCapture)), FrameIndex(Header(response, ClipHeaders.LastCapture))));
    }

    [Fact]
    public async Task A_range_that_starts_before_the_recording_starts_at_its_first_keyframe_and_says_so()
    {
        var (response, mp4, body) = await fixture.GetAsync(
            ClipsFixture.ClipPath(ClipsFixture.Camera, fixture.Start.AddSeconds(-5), fixture.Start.AddSeconds(3)));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        File.Delete(mp4!);
        Assert.Equal(0, FrameIndex(Header(response, ClipHeaders.FirstCapture)));
        Assert.Equal(ClipHeaders.AfterFrom, Header(response, ClipHeaders.StartKeyframe));
        Assert.Contains("the clip starts at the first keyframe after it", Header(response, ClipHeaders.Note), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_events_clip_runs_from_five_seconds_before_to_ten_after_and_the_camera_page_links_it()
    {
        var eventTime = fixture.Start.AddSeconds(15.5);
        using var producer = RecordedStream.NewProducer(fixture.Broker.BootstrapServers);
        var appeared = await ProduceEventAsync(producer, PeopleDetector.PersonAppeared, ClipsFixture.Camera, eventTime);
        var left = await ProduceEventAsync(producer, PeopleDetector.PersonLeft, ClipsFixture.Camera, eventTime.AddSeconds(3));
        var otherCamera = await ProduceEventAsync(producer, PeopleDetector.PersonAppeared, ClipsFixture.OtherCamera, eventTime);

        var path = $"/events/{appeared.Partition.Value}/{appeared.Offset.Value}/clip";
        var (response, mp4, body) = await fixture.GetAsync(path);

        Assert.True(response.StatusCode == HttpStatusCode.OK && mp4 is not null, $"{(int)response.StatusCode}: {body}\n{fixture.Service.Output}");
        try
        {
            var (_, _, _, duration) = await VideoProbe.StreamAsync(mp4);
            Assert.InRange(duration, 15 - FrameSeconds, 15 + GopSeconds + FrameSeconds);
            var frames = await VideoProbe.FramesAsync(mp4);
            Assert.Equal((true, "I"), (frames[0].Key, frames[0].PictType));
            var first = DateTimeOffset.Parse(Header(response, ClipHeaders.FirstCapture), CultureInfo.InvariantCulture);
            Assert.True(first <= eventTime.AddSeconds(-4), $"The clip starts at {first:O}, less than 4 s before the event at {eventTime:O}.");
            Assert.Contains(PeopleDetector.PersonAppeared, Header(response, ClipHeaders.Event), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(mp4);
        }

        var page = await fixture.Http.GetStringAsync(new Uri($"/clips/{ClipsFixture.Camera}", UriKind.Relative));
        Assert.Contains($"href=\"{path}\"", page, StringComparison.Ordinal);
        Assert.Contains(Instants.Format(eventTime), page, StringComparison.Ordinal);
        Assert.Contains($"keeps this camera from <time>{Instants.Format(fixture.Start)}</time>", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"/events/{left.Partition.Value}/{left.Offset.Value}/clip", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"/events/{otherCamera.Partition.Value}/{otherCamera.Offset.Value}/clip", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clip_whose_end_is_still_to_come_waits_for_the_recording_to_pass_it()
    {
        const string live = "cam-live";
        var start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        using var stopCamera = new CancellationTokenSource();
        // The camera goes on recording in real time: each frame is produced when its capture time comes.
        var camera = Task.Run(async () =>
        {
            using var producer = RecordedStream.NewProducer(fixture.Broker.BootstrapServers);
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            for (var index = 0; index < fixture.Source.Units.Count && !stopCamera.IsCancellationRequested;)
            {
                while (index < fixture.Source.Units.Count && start.AddMilliseconds(fixture.Source.OffsetMs(index)) <= DateTimeOffset.UtcNow)
                {
                    producer.Produce(new TopicPartition(FrameTopics.Video, 0), fixture.Source.Message(live, index++, start));
                }
                producer.Flush(TimeSpan.FromSeconds(5));
                await pace.WaitForNextTickAsync(CancellationToken.None);
            }
        });
        try
        {
            var to = start.AddSeconds(4);
            var (response, mp4, body) = await fixture.GetAsync(ClipsFixture.ClipPath(live, start.AddSeconds(1), to));
            var answered = DateTimeOffset.UtcNow;

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}\n{fixture.Service.Output}");
            File.Delete(mp4!);
            Assert.True(answered > to, $"Answered at {answered:O}, before the recording reached {to:O}.");
            // Well within Clips:RecordingWait (20 s): answered once the recording passed `to`, not at the deadline.
            Assert.True(answered < to.AddSeconds(10), $"Answered at {answered:O}, long after the recording passed {to:O}.");
            Assert.Equal("true", Header(response, ClipHeaders.Complete));
            var last = DateTimeOffset.Parse(Header(response, ClipHeaders.LastCapture), CultureInfo.InvariantCulture);
            Assert.InRange(last, to.AddSeconds(-FrameSeconds - 0.001), to);
        }
        finally
        {
            await stopCamera.CancelAsync();
            await camera;
        }
    }

    [Fact]
    public async Task A_client_that_leaves_while_the_clip_waits_for_the_recording_stops_its_kafka_read()
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        using var leave = new CancellationTokenSource();
        // Nothing records cam-a now: the request would wait up to Clips:RecordingWait (20 s) for the recording to pass `to`.
        var request = fixture.Http.GetAsync(new Uri(ClipsFixture.ClipPath(ClipsFixture.Camera, from, from.AddSeconds(10)), UriKind.Relative),
            leave.Token);
        await fixture.Service.WaitForOutputAsync(line => line.Contains($"Reading camera {ClipsFixture.Camera} {Instants.Format(from)}",
            StringComparison.Ordinal), ClipsFixture.Deadline);

        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        var cancelled = await fixture.Service.WaitForOutputAsync(
            line => line.Contains($"Clip of camera {ClipsFixture.Camera} cancelled", StringComparison.Ordinal), TimeSpan.FromSeconds(8));
        Assert.Contains("Kafka read and ffmpeg stopped", cancelled, StringComparison.Ordinal);
    }

    private static async Task<DeliveryResult<string, byte[]>> ProduceEventAsync(IProducer<string, byte[]> producer, string type, string camera,
        DateTimeOffset capturedAt)
    {
        var record = new FrameEventRecord(type, camera, "consumerGroup_people", PeopleDetector.AnalyzerName, "test", 465, ClipsFixture.VideoPartition,
            465, capturedAt, capturedAt.AddMilliseconds(40), []);
        return await producer.ProduceAsync(FrameTopics.Events, new Message<string, byte[]>
        {
            Key = camera,
            Value = JsonSerializer.SerializeToUtf8Bytes(record, FrameProcessingJsonContext.Default.FrameEventRecord),
        });
    }

    private int FrameIndex(string header)
    {
        var offset = DateTimeOffset.Parse(header, CultureInfo.InvariantCulture) - fixture.Start;
        return (int)Math.Round(offset.TotalSeconds * RecordedStream.Fps);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : throw new Xunit.Sdk.XunitException($"No {name} header; the headers were:\n{response.Headers}");

    private static string Detail(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("detail").GetString() ?? "";
    }
}
