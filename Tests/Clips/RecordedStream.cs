using System.Globalization;
using System.Text;
using AspirePipeline.Contracts;
using AspirePipeline.Recording;
using Confluent.Kafka;

namespace AspirePipeline.Tests.Clips;

/// <summary>
/// A camera's H.264 as the producer records it: real ffmpeg muxes a test pattern to MPEG-TS with the recording's muxer
/// options, <see cref="TransportStreamSplitter"/> cuts it into access units, and each becomes a <c>frames.video</c>
/// message stamped with a base time plus its PTS, so every frame's capture time is known.
/// </summary>
public sealed class RecordedStream : IDisposable
{
    public const int Fps = 30;
    public const int Gop = 30;
    private const long TicksPerSecond = 90_000;

    private RecordedStream(string path, IReadOnlyList<RecordedAccessUnit> units, int width, int height)
    {
        Path = path;
        Units = units;
        Width = width;
        Height = height;
    }

    /// <summary>The transport stream as ffmpeg wrote it (deleted on dispose).</summary>
    public string Path { get; }

    public IReadOnlyList<RecordedAccessUnit> Units { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Frame <paramref name="index"/>'s capture time in milliseconds after the base time (its PTS, floored to ms).</summary>
    public long OffsetMs(int index) => (Units[index].Pts!.Value - Units[0].Pts!.Value) * 1000 / TicksPerSecond;

    /// <summary>Frame <paramref name="index"/>'s capture time in microseconds after the base time.</summary>
    public long OffsetMicros(int index) => (Units[index].Pts!.Value - Units[0].Pts!.Value) * 1_000_000 / TicksPerSecond;

    /// <summary>
    /// Muxes <paramref name="seconds"/> of lavfi's <paramref name="pattern"/> (e.g. <c>testsrc2</c>) with libx264, a
    /// keyframe a second, no B-frames.
    /// </summary>
    public static async Task<RecordedStream> MakeAsync(string pattern, int width, int height, int seconds)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"clips-source-{Guid.NewGuid():N}.ts");
        (await ChildProcess.RunAsync("ffmpeg",
        [
            "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", $"{pattern}=size={width}x{height}:rate={Fps}",
            "-t", $"{seconds}", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", $"{Gop}", "-bf", "0",
            "-sc_threshold", "0", "-f", TransportStream.ContainerName, .. TransportStream.MuxerOptions, "-y", path,
        ], TimeSpan.FromMinutes(2))).EnsureSuccess($"ffmpeg muxing {pattern}");
        var splitter = new TransportStreamSplitter();
        var units = new List<RecordedAccessUnit>();
        splitter.Write(await File.ReadAllBytesAsync(path), units);
        units.AddRange(splitter.Complete());
        Assert.Equal(seconds * Fps, units.Count);
        Assert.All(units, unit => Assert.NotNull(unit.Pts));
        return new RecordedStream(path, units, width, height);
    }

    /// <summary>
    /// The message of frame <paramref name="index"/> for <paramref name="camera"/>, captured at <paramref name="start"/> plus its PTS.
    /// </summary>
    public Message<string, byte[]> Message(string camera, int index, DateTimeOffset start)
    {
        var unit = Units[index];
        var headers = new Headers();
        void Add(string name, string value) => headers.Add(name, Encoding.ASCII.GetBytes(value));
        Add(VideoHeaders.CameraId, camera);
        Add(VideoHeaders.Sequence, index.ToString(CultureInfo.InvariantCulture));
        Add(VideoHeaders.Codec, unit.Codec);
        Add(VideoHeaders.Keyframe, unit.Keyframe ? "1" : "0");
        Add(VideoHeaders.Pts, unit.Pts!.Value.ToString(CultureInfo.InvariantCulture));
        Add(VideoHeaders.CaptureTimestamp, (start.ToUnixTimeMilliseconds() * 1000 + OffsetMicros(index)).ToString(CultureInfo.InvariantCulture));
        Add(VideoHeaders.Container, TransportStream.ContainerName);
        return new Message<string, byte[]>
        {
            Key = camera,
            Value = unit.Packets,
            Timestamp = new Timestamp(start.ToUnixTimeMilliseconds() + OffsetMs(index), TimestampType.CreateTime),
            Headers = headers,
        };
    }

    /// <summary>
    /// Produces every frame of each camera's stream to one partition of <c>frames.video</c>, the cameras interleaved in
    /// capture order as one producer would write them (so a reader must tell them apart by key).
    /// </summary>
    public static void Produce(string bootstrapServers, int partition, params (string Camera, RecordedStream Stream, DateTimeOffset Start)[] cameras)
    {
        using var producer = NewProducer(bootstrapServers);
        var messages = cameras
            .SelectMany(camera => Enumerable.Range(0, camera.Stream.Units.Count)
                .Select(index => camera.Stream.Message(camera.Camera, index, camera.Start)))
            .OrderBy(message => message.Timestamp.UnixTimestampMs);
        var failures = new List<string>();
        foreach (var message in messages)
        {
            producer.Produce(new TopicPartition(FrameTopics.Video, partition), message, report =>
            {
                if (report.Error.IsError)
                {
                    lock (failures)
                    {
                        failures.Add(report.Error.Reason);
                    }
                }
            });
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        Assert.Empty(failures);
    }

    public static IProducer<string, byte[]> NewProducer(string bootstrapServers) =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All, LingerMs = 5 }).Build();

    public void Dispose() => File.Delete(Path);
}
