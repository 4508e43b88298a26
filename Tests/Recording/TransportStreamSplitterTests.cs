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
        units.AddRange(splitter.Complete());

        Assert.Equal(Frames, units.Count);
        Assert.Equal(stream, units.SelectMany(unit => unit.Packets).ToArray());
        Assert.Equal(garbage.Length * (long)Math.Ceiling(stream.Length / (TransportStream.PacketSize * 50.0)), splitter.SkippedBytes);
    }

    [Fact]
    public async Task A_keyframe_cut_in_two_by_parameter_sets_before_its_second_slice_stays_one_access_unit()
    {
        // Two slices a picture, and before each keyframe's second slice its SPS and PPS again, as a payloader that
        // resends them with every keyframe slice sends it: ffmpeg's parser starts a packet, and the muxer a PES, there.
        var directory = Directory.CreateTempSubdirectory("split-keyframes").FullName;
        try
        {
            var clip = Path.Combine(directory, "two-slices.h264");
            (await ChildProcess.RunAsync("ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-frames:v", $"{Frames}",
                "-c:v", "libx264", "-g", $"{Gop}", "-bf", "0", "-sc_threshold", "0", "-x264-params", "slices=2", "-f", "h264", "-y", clip,
            ], TimeSpan.FromMinutes(1))).EnsureSuccess("encoding two slices a picture");
            var cut = Path.Combine(directory, "cut.h264");
            await File.WriteAllBytesAsync(cut, ParameterSetsBeforeEveryKeyframeSlice(await File.ReadAllBytesAsync(clip)));
            var muxed = Path.Combine(directory, "cut.ts");
            (await ChildProcess.RunAsync("ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-i", cut, "-c:v", "copy",
                "-f", TransportStream.ContainerName, .. TransportStream.MuxerOptions, "-y", muxed,
            ], TimeSpan.FromMinutes(1))).EnsureSuccess("muxing the cut stream");
            var stream = await File.ReadAllBytesAsync(muxed);

            var units = Split(stream, new Random(3));

            // The muxer did write a PES for each half of every keyframe (the case this is about)...
            Assert.Equal(Frames + Frames / Gop, PesStarts(stream));
            // ...and each picture is still one unit: a decoder can start at a whole keyframe, never at its second half.
            Assert.Equal(Frames, units.Count);
            Assert.Equal([0, Gop, 2 * Gop], units.Select((unit, index) => (unit, index)).Where(u => u.unit.Keyframe).Select(u => u.index));
            Assert.Equal(stream, units.SelectMany(unit => unit.Packets).ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static byte[] ParameterSetsBeforeEveryKeyframeSlice(byte[] annexB)
    {
        var output = new List<byte>();
        byte[]? sps = null, pps = null;
        foreach (var unit in AnnexB.NalUnits(annexB))
        {
            var type = AnnexB.H264Type(unit);
            (sps, pps) = (type == 7 ? unit : sps, type == 8 ? unit : pps);
            var continuesPicture = (unit[1] & 0x80) == 0;
            if (type == 5 && continuesPicture && sps is not null && pps is not null)
            {
                output.AddRange([0, 0, 0, 1, .. sps, 0, 0, 0, 1, .. pps]);
            }
            output.AddRange([0, 0, 0, 1, .. unit]);
        }
        return [.. output];
    }

    private static int PesStarts(byte[] stream) => stream.Chunk(TransportStream.PacketSize)
        .Count(packet => (packet[1] & 0x40) != 0 && (((packet[1] & 0x1F) << 8) | packet[2]) == 0x100);

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
        units.AddRange(splitter.Complete());
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
