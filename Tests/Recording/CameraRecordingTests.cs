using System.Text;
using AspirePipeline.Contracts;
using AspirePipeline.Recording;
using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Producer;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace AspirePipeline.Tests.Recording;

/// <summary>
/// A recorded camera through the real producer: the simulator's <c>--clip</c> sends a known H.264 file over RTSP as it
/// is, the producer's ffmpeg copies it to <c>frames.video</c> beside the JPEGs, and what is recorded is the file's coded
/// pictures byte for byte.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class CameraRecordingTests(ProducerFixture fixture, ITestOutputHelper output) : IClassFixture<ProducerFixture>
{
    private const int Fps = 30;
    private const int Gop = 30;
    private const int ClipFrames = 90;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <remarks>Two slices a picture too: still one message a picture (a camera's 720p H.264 often has several).</remarks>
    [Theory]
    [InlineData(VideoCodecs.H264, 1)]
    [InlineData(VideoCodecs.H264, 2)]
    [InlineData(VideoCodecs.Hevc, 1)]
    public async Task Every_slice_of_every_frame_is_recorded_as_the_camera_sent_it_in_order_with_keyframes_and_pts(string codec,
        int slicesPerPicture)
    {
        var hevc = codec == VideoCodecs.Hevc;
        var directory = Directory.CreateTempSubdirectory("recording").FullName;
        try
        {
            var clip = Path.Combine(directory, $"known.{codec}");
            await KnownClip.EncodeAsync(clip, codec, "640x360", ClipFrames, Fps, Gop, slicesPerPicture);
            await using var camera = await CameraSimulatorProcess.StartAsync(fps: Fps, clip: clip);
            var frames = await fixture.CreateTopicAsync();
            var video = await fixture.CreateTopicAsync();
            await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, frames, new Dictionary<string, string?>
            {
                ["Producer:Cameras:0:Id"] = "gate",
                ["Producer:Cameras:0:Url"] = camera.Url,
                ["Producer:Cameras:0:Record"] = "true",
                ["Producer:VideoTopic"] = video,
            });
            using var videoConsumer = fixture.Consumer(video);
            using var framesConsumer = fixture.Consumer(frames);

            // Two loops of the clip and more, recorded; the JPEGs go on beside them.
            var messages = ProducerFixture.Consume(videoConsumer, 2 * ClipFrames + Gop, Deadline);
            ProducerFixture.AssertJpegFrames(ProducerFixture.Consume(framesConsumer, 10, Deadline), "gate");

            Assert.All(messages, message => Assert.Equal("gate", message.Message.Key));
            var headers = messages.Select(message => Headers(message.Message)).ToList();
            Assert.All(headers, h => Assert.Equal(codec, h[VideoHeaders.Codec]));
            Assert.All(headers, h => Assert.Equal(TransportStream.ContainerName, h[VideoHeaders.Container]));
            Assert.Equal(Enumerable.Range(0, messages.Count).Select(i => $"{i}"), headers.Select(h => h[VideoHeaders.Sequence]));

            // The first message recorded is a keyframe (a recording starts where a decoder can), then one every GOP.
            var keyframes = headers.Select((h, index) => (h, index)).Where(x => x.h[VideoHeaders.Keyframe] == "1").Select(x => x.index).ToList();
            Assert.Equal(0, keyframes[0]);
            Assert.All(keyframes.Zip(keyframes.Skip(1)), pair => Assert.Equal(Gop, pair.Second - pair.First));

            // pts continuous: rising, and spanning as many frames (90 kHz / fps each) as were recorded, none missing. The
            // simulator stamps each frame when it sends it, as a live camera's clock does: a late frame's step is longer
            // and the next one's shorter, so single steps vary, the span does not.
            var pts = headers.Select(h => long.Parse(h[VideoHeaders.Pts], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.All(pts.Zip(pts.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"pts {pair.Second} after {pair.First}"));
            var framesSpanned = (int)Math.Round((pts[^1] - pts[0]) / (90_000.0 / Fps)) + 1;
            Assert.InRange(framesSpanned, messages.Count - 1, messages.Count + 1);

            // The recorded coded pictures, as a decoder sees them, against the file's: every slice byte for byte, in order.
            var recorded = Path.Combine(directory, "recorded.ts");
            await File.WriteAllBytesAsync(recorded, [.. messages.SelectMany(message => message.Message.Value)]);
            var elementary = Path.Combine(directory, "recorded.es");
            (await ChildProcess.RunAsync("ffmpeg",
            [
                "-nostdin", "-hide_banner", "-loglevel", "error", "-i", recorded, "-c:v", "copy", "-f", KnownClip.Format(codec), "-y", elementary,
            ], Deadline)).EnsureSuccess("demuxing the recording");
            var source = AnnexB.NalUnits(await File.ReadAllBytesAsync(clip)).Where(unit => AnnexB.IsSlice(unit, hevc)).ToList();
            var slices = AnnexB.NalUnits(await File.ReadAllBytesAsync(elementary)).Where(unit => AnnexB.IsSlice(unit, hevc)).ToList();
            Assert.Equal(ClipFrames * slicesPerPicture, source.Count);
            Assert.Equal(messages.Count * slicesPerPicture, slices.Count);
            var first = source.FindIndex(unit => unit.AsSpan().SequenceEqual(slices[0]));
            Assert.True(first >= 0, "the first recorded slice is not one of the clip's");
            for (var index = 0; index < slices.Count; index++)
            {
                Assert.True(slices[index].AsSpan().SequenceEqual(source[(first + index) % source.Count]),
                    $"recorded slice {index} ({slices[index].Length} bytes) differs from the clip's slice "
                    + $"{(first + index) % source.Count} ({source[(first + index) % source.Count].Length} bytes)");
            }

            // A decoder can start at any keyframe message: alone, it decodes to its picture (the parameter sets go with it).
            foreach (var keyframe in keyframes.Take(3))
            {
                var alone = Path.Combine(directory, $"keyframe-{keyframe}.ts");
                await File.WriteAllBytesAsync(alone, messages[keyframe].Message.Value);
                var decoded = await ChildProcess.RunAsync("ffprobe",
                    ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", alone],
                    Deadline);
                // ffprobe lists the stream twice, in its program and on its own.
                var counts = decoded.EnsureSuccess($"decoding keyframe message {keyframe} alone").StandardOutput
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                Assert.All(counts, count => Assert.Equal("1", count));
            }

            // What else differs, for the record. Measured when this test was written: an access-unit delimiter per frame
            // (H.264 type 9, H.265 type 35), which ffmpeg's MPEG-TS muxer adds; the parameter sets and SEI as the clip
            // has them (the simulator sends the clip's own), with the encoder's first SEI once more per loop.
            var sourceOther = NonSliceTypes(await File.ReadAllBytesAsync(clip), hevc);
            var recordedOther = NonSliceTypes(await File.ReadAllBytesAsync(elementary), hevc);
            output.WriteLine($"non-slice NAL units per type, clip (one loop): {sourceOther}; recorded ({messages.Count} frames): {recordedOther}");

            using var stats = await producer.StatsAsync();
            var recording = stats.RootElement.GetProperty("cameras")[0].GetProperty("recording");
            Assert.True(recording.GetProperty("published").GetInt64() >= messages.Count);
            Assert.Equal(0, recording.GetProperty("dropped").GetInt64());
            Assert.Equal(0, recording.GetProperty("skippedBytes").GetInt64());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_ten_second_clip_of_the_recorded_camera_starts_at_a_keyframe_and_is_the_cameras_own_pictures()
    {
        const int SourceFrames = 10 * Fps;
        var directory = Directory.CreateTempSubdirectory("recording-clip").FullName;
        try
        {
            var clip = Path.Combine(directory, "known.h264");
            await KnownClip.EncodeAsync(clip, VideoCodecs.H264, "640x360", SourceFrames, Fps, Gop);
            await using var camera = await CameraSimulatorProcess.StartAsync(fps: Fps, clip: clip);
            var video = await fixture.CreateTopicAsync();
            var events = await fixture.CreateTopicAsync();
            await using var producer = await ProducerTestHost.StartAsync(fixture.Broker.BootstrapServers, await fixture.CreateTopicAsync(),
                new Dictionary<string, string?>
                {
                    ["Producer:Cameras:0:Id"] = "gate",
                    ["Producer:Cameras:0:Url"] = camera.Url,
                    ["Producer:Cameras:0:Record"] = "true",
                    ["Producer:VideoTopic"] = video,
                });
            using var consumer = fixture.Consumer(video);
            var first = ProducerFixture.Consume(consumer, 1, Deadline)[0].Message.Timestamp.UtcDateTime;
            await using var clips = await ServiceProcess.StartListeningAsync("Clips", "clips", new Dictionary<string, string>
            {
                [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = fixture.Broker.BootstrapServers,
                [ServiceEnvironment.Clips.VideoTopic] = video,
                [ServiceEnvironment.Clips.EventsTopic] = events,
            });
            using var http = new HttpClient { BaseAddress = clips.BaseAddress, Timeout = Deadline };

            // Ten seconds from 2.5 s into the recording; the service waits for the recording to get to their end.
            var from = new DateTimeOffset(first).AddSeconds(2.5);
            using var response = await http.GetAsync(
                $"/clips/gate?from={from.ToUnixTimeMilliseconds()}&to={from.AddSeconds(10).ToUnixTimeMilliseconds()}");
            var mp4 = Path.Combine(directory, "clip.mp4");
            await File.WriteAllBytesAsync(mp4, await response.Content.ReadAsByteArrayAsync());
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await File.ReadAllTextAsync(mp4)}\n{clips.Output}");

            var (codec, width, height, duration) = await Clips.VideoProbe.StreamAsync(mp4);
            Assert.Equal((VideoCodecs.H264, 640, 360), (codec, width, height));
            // From the keyframe at or before `from`: the range, and at most one GOP (a second) more.
            Assert.InRange(duration, 9.9, 11.1);
            var frames = await Clips.VideoProbe.FramesAsync(mp4);
            Assert.True(frames[0].Key && frames[0].PictType == "I", $"the clip's first frame is {frames[0]}");

            // Its pixels are the camera's pictures: the clip's frames, looped, from one of its keyframes on.
            var source = Path.Combine(directory, "source.gray");
            var decoded = Path.Combine(directory, "clip.gray");
            await Clips.VideoProbe.DecodeGrayAsync(clip, source);
            await Clips.VideoProbe.DecodeGrayAsync(mp4, decoded);
            const int FrameBytes = 640 * 360;
            var sourceFrames = (await File.ReadAllBytesAsync(source)).Chunk(FrameBytes).ToList();
            var pictures = (await File.ReadAllBytesAsync(decoded)).Chunk(FrameBytes).ToList();
            Assert.Equal(frames.Count, pictures.Count);
            var start = Enumerable.Range(0, SourceFrames / Gop).Select(keyframe => keyframe * Gop)
                .FirstOrDefault(index => sourceFrames[index].AsSpan().SequenceEqual(pictures[0]), -1);
            Assert.True(start >= 0, "the clip's first frame is none of the camera's keyframes");
            var expected = Path.Combine(directory, "expected.gray");
            await File.WriteAllBytesAsync(expected,
                [.. pictures.Select((_, index) => sourceFrames[(start + index) % SourceFrames]).SelectMany(frame => frame)]);
            Assert.Null(Clips.VideoProbe.FirstDifferentFrame(decoded, expected, FrameBytes));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task After_a_broker_restart_during_recording_no_frame_is_missing_but_those_the_producer_reports_dropped()
    {
        var directory = Directory.CreateTempSubdirectory("recording-restart").FullName;
        try
        {
            var clip = Path.Combine(directory, "known.h264");
            await KnownClip.EncodeAsync(clip, VideoCodecs.H264, "320x180", ClipFrames, Fps, Gop);
            await using var camera = await CameraSimulatorProcess.StartAsync(fps: Fps, clip: clip);
            await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { InMemory = false });
            var video = $"video-{Guid.NewGuid():N}"[..20];
            await FrameTopicsAdmin.CreateAsync(broker.BootstrapServers, video, partitions: 1);
            await using var producer = await ProducerTestHost.StartAsync(broker.BootstrapServers, $"frames-{Guid.NewGuid():N}"[..20],
                new Dictionary<string, string?>
                {
                    ["Producer:Cameras:0:Id"] = "gate",
                    ["Producer:Cameras:0:Url"] = camera.Url,
                    ["Producer:Cameras:0:Record"] = "true",
                    ["Producer:VideoTopic"] = video,
                });
            var recording = producer.Camera("gate").Recording;
            await Poll.UntilAsync(() => recording.Published >= Gop, Deadline, () => $"recorded {recording.Published} before the restart");

            broker.Kill();
            var beforeKill = recording.Published;
            await broker.RestartAsync();
            await Poll.UntilAsync(() => recording.Published >= beforeKill + 2 * Gop, Deadline,
                () => $"recorded {recording.Published} (was {beforeKill} at the kill); not recorded: {string.Join(", ", recording.Dropped)}");

            var handed = recording.Handed;
            var dropped = recording.Dropped.Values.Sum();
            using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = broker.BootstrapServers,
                GroupId = $"recording-{Guid.NewGuid():N}",
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                FetchWaitMaxMs = 100,
            }).Build();
            consumer.Assign(new TopicPartitionOffset(video, 0, Offset.Beginning));
            var messages = TestSupport.Consume.AtLeast(consumer, (int)(handed - dropped), Deadline);

            var headers = messages.Select(message => Headers(message.Message)).ToList();
            var sequences = headers.Select(h => long.Parse(h[VideoHeaders.Sequence], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(sequences.Order(), sequences);
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
            var missingSequences = sequences[^1] + 1 - sequences.Count;
            Assert.True(missingSequences <= dropped, $"{missingSequences} access units missing from frames.video; reported dropped: {dropped}");
            // In the camera's own timeline: the pts span as many frames as were recorded, but for those reported dropped.
            var pts = headers.Select(h => long.Parse(h[VideoHeaders.Pts], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var framesSpanned = (int)Math.Round((pts[^1] - pts[0]) / (90_000.0 / Fps)) + 1;
            Assert.True(framesSpanned - messages.Count <= dropped + 1,
                $"the recording's pts span {framesSpanned} frames, {messages.Count} recorded, {dropped} reported dropped");
            output.WriteLine($"recorded {messages.Count} access units across the restart; reported dropped {dropped}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string NonSliceTypes(byte[] stream, bool hevc) => string.Join(", ", AnnexB.NalUnits(stream)
        .Where(unit => !AnnexB.IsSlice(unit, hevc)).GroupBy(unit => hevc ? AnnexB.HevcType(unit) : AnnexB.H264Type(unit))
        .OrderBy(group => group.Key)
        .Select(group => $"type {group.Key}: {group.Count()}"));

    private static Dictionary<string, string> Headers(Message<string, byte[]> message) =>
        message.Headers.ToDictionary(header => header.Key, header => Encoding.ASCII.GetString(header.GetValueBytes()));
}
