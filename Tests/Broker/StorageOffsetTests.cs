using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.Logging;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class StorageOffsetTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CapturingLoggerProvider _loggers = new();

    public void Dispose() => _dir.Dispose();

    private string OffsetsFile => Path.Combine(_dir.Path, "__consumer_offsets.log");

    [Fact]
    public void Committed_offsets_and_their_metadata_survive_a_reopen()
    {
        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            var offsets = store.Offsets;
            offsets.Commit("consumerGroup_1", "frames", 0, new CommittedOffset(10, 3, "meta ✓", 1111));
            offsets.Commit("consumerGroup_1", "frames", 1, new CommittedOffset(20, -1, null, 2222));
            offsets.Commit("consumerGroup_1", "frames", 0, new CommittedOffset(15, 4, "", 3333));
            offsets.Commit("consumerGroup_2", "frames", 0, new CommittedOffset(7, -1, null, 4444));
            offsets.Commit("gone", "frames", 0, new CommittedOffset(1, -1, null, 5555));
            offsets.DeleteGroup("gone");
            Assert.False(offsets.TryGet("gone", "frames", 0, out _));
        }

        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            var offsets = store.Offsets;
            Assert.Equal(["consumerGroup_1", "consumerGroup_2"], offsets.Groups.Order());
            Assert.True(offsets.TryGet("consumerGroup_1", "frames", 0, out var p0));
            Assert.Equal(new CommittedOffset(15, 4, "", 3333), p0);
            Assert.True(offsets.TryGet("consumerGroup_1", "frames", 1, out var p1));
            Assert.Equal(new CommittedOffset(20, -1, null, 2222), p1);
            Assert.Equal(2, offsets.GetAll("consumerGroup_1").Count);
            Assert.Contains(("frames", 0, new CommittedOffset(7, -1, null, 4444)), offsets.GetAll("consumerGroup_2"));
            Assert.False(offsets.TryGet("gone", "frames", 0, out _));
            Assert.Empty(offsets.GetAll("gone"));
            Assert.DoesNotContain(_loggers.Entries, e => e.Level >= LogLevel.Warning);
        }
    }

    [Theory]
    [InlineData(3)] // inside the record header
    [InlineData(20)] // inside the payload
    public void A_torn_last_commit_is_dropped_and_earlier_ones_kept(int bytesCut)
    {
        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            store.Offsets.Commit("g", "frames", 0, new CommittedOffset(1, -1, null, 1));
            store.Offsets.Commit("g", "frames", 1, new CommittedOffset(2, -1, "last", 2));
        }

        var length = new FileInfo(OffsetsFile).Length;
        using (var file = new FileStream(OffsetsFile, FileMode.Open))
        {
            file.SetLength(length - bytesCut);
        }

        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            Assert.True(store.Offsets.TryGet("g", "frames", 0, out var kept));
            Assert.Equal(1, kept.Offset);
            Assert.False(store.Offsets.TryGet("g", "frames", 1, out _));
            Assert.Contains(_loggers.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("__consumer_offsets.log"));
            store.Offsets.Commit("g", "frames", 1, new CommittedOffset(3, -1, null, 3));
        }

        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            Assert.True(store.Offsets.TryGet("g", "frames", 1, out var again));
            Assert.Equal(3, again.Offset);
        }
    }

    [Fact]
    public void A_flipped_byte_in_the_last_commit_is_caught_by_its_crc()
    {
        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            store.Offsets.Commit("g", "frames", 0, new CommittedOffset(1, -1, null, 1));
            store.Offsets.Commit("g", "frames", 0, new CommittedOffset(2, -1, null, 2));
        }

        var bytes = File.ReadAllBytes(OffsetsFile);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(OffsetsFile, bytes);

        using var reopened = new FileLogStore(_dir.Path, _loggers);
        Assert.True(reopened.Offsets.TryGet("g", "frames", 0, out var kept));
        Assert.Equal(1, kept.Offset);
        Assert.Contains(_loggers.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("CRC mismatch"));
    }

    [Fact]
    public void Repeated_commits_are_compacted_on_open()
    {
        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            for (var i = 0; i < 500; i++)
            {
                store.Offsets.Commit("g", "frames", i % 3, new CommittedOffset(i, -1, "m", i));
            }
        }

        var before = new FileInfo(OffsetsFile).Length;
        using (var store = new FileLogStore(_dir.Path, _loggers))
        {
            Assert.True(new FileInfo(OffsetsFile).Length < before / 50,
                $"{new FileInfo(OffsetsFile).Length} bytes after compaction, {before} before");
            Assert.True(store.Offsets.TryGet("g", "frames", 2, out var last));
            Assert.Equal(new CommittedOffset(497, -1, "m", 497), last);
            store.Offsets.Commit("g", "frames", 2, new CommittedOffset(1000, -1, null, 1000));
        }

        using var reopened = new FileLogStore(_dir.Path, _loggers);
        Assert.True(reopened.Offsets.TryGet("g", "frames", 2, out var after));
        Assert.Equal(1000, after.Offset);
        Assert.True(reopened.Offsets.TryGet("g", "frames", 0, out var other));
        Assert.Equal(498, other.Offset);
    }
}
