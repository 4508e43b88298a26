using AspirePipeline.Recording;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Recording;

/// <summary>The splitter on transport streams the real ffmpeg muxes, as the producer's recording gets them.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class TransportStreamSplitterTests
{
    private const int Frames = 90;
    private const int Gop = 30;
    private const long TicksPerFrame = 90_000 / 30;

    [Theory]
    [InlineData("libx264", VideoCodecs.H264)]
    [InlineData("libx265", VideoCodecs.Hevc)]
    public async Task Every_access_unit_comes_out_whole_with_its_keyframe_flag_and_pts_and_together_they_are_the_stream(
        string encoder, string codec)
    {
        var stream = await MuxAsync(encoder);

        var units = Split(stream, new Random(7));

        Assert.Equal(Frames, units.Count);
        Assert.All(units, unit => Assert.Equal(codec, unit.Codec));
        Assert.Equal(stream, units.SelectMany(unit => unit.Packets).ToArray());
        Assert.Equal([0, Gop, 2 * Gop], units.Select((unit, index) => (unit, index)).Where(u => u.unit.Keyframe).Select(u => u.index));
        // Each keyframe's message starts a stream on its own: the PAT (and PMT) come first.
        Assert.All(units.Where(unit => unit.Keyframe), unit => Assert.Equal(TransportStream.PatPid, Pid(unit.Packets, 0) == 0x11
            ? Pid(unit.Packets, 1) : Pid(unit.Packets, 0)));
        Assert.All(units, unit => Assert.Equal(0, unit.Packets.Length % TransportStream.PacketSize));
        var pts = units.Select(unit => unit.Pts ?? -1).ToArray();
        Assert.All(pts.Zip(pts.Skip(1)), pair => Assert.Equal(TicksPerFrame, pair.Second - pair.First));
    }

    [Fact]
    public async Task Bytes_between_packets_are_skipped_and_counted_and_the_access_units_survive()
    {
        var stream = await MuxAsync("libx264");
        var garbage = new byte[] { 1, 2, 3, 0x11, 0x22 };
        // Garbage after every 50th packet (never containing the sync byte, so the splitter must find sync again).
        var damaged = stream.Chunk(TransportStream.PacketSize * 50).SelectMany(chunk => chunk.Concat(garbage)).ToArray();

        var splitter = new TransportStreamSplitter();
        var units = new List<RecordedAccessUnit>();
        splitter.Write(damaged, units);
        units.Add(splitter.Complete()!);

        Assert.Equal(Frames, units.Count);
        Assert.Equal(stream, units.SelectMany(unit => unit.Packets).ToArray());
        Assert.Equal(garbage.Length * (long)Math.Ceiling(stream.Length / (TransportStream.PacketSize * 50.0)), splitter.SkippedBytes);
    }

    private static List<RecordedAccessUnit> Split(byte[] stream, Random random)
    {
        var splitter = new TransportStreamSplitter();
        var units = new List<RecordedAccessUnit>();
        // Pieces of any size, as a pipe hands them over: packets straddle the writes.
        for (var offset = 0; offset < stream.Length;)
        {
            var length = Math.Min(random.Next(1, 3000), stream.Length - offset);
            splitter.Write(stream.AsSpan(offset, length), units);
            offset += length;
        }
        if (splitter.Complete() is { } last)
        {
            units.Add(last);
        }
        Assert.Equal(0, splitter.SkippedBytes);
        return units;
    }

    private static int Pid(byte[] packets, int index) =>
        ((packets[index * TransportStream.PacketSize + 1] & 0x1F) << 8) | packets[index * TransportStream.PacketSize + 2];

    private static async Task<byte[]> MuxAsync(string encoder)
    {
        var path = Path.Combine(Path.GetTempPath(), $"splitter-{Guid.NewGuid():N}.ts");
        try
        {
            (await ChildProcess.RunAsync("ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30",
                "-frames:v", $"{Frames}", "-c:v", encoder, "-g", $"{Gop}", "-bf", "0",
                .. encoder == "libx265" ? (string[])["-x265-params", "log-level=error:keyint=30:min-keyint=30:scenecut=0"] : ["-sc_threshold", "0"],
                "-f", TransportStream.ContainerName, .. TransportStream.MuxerOptions, "-y", path,
            ], TimeSpan.FromMinutes(1))).EnsureSuccess("ffmpeg muxing a test stream");
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
