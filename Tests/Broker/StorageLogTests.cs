using System.Buffers;
using System.Text;
using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.Logging;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class StorageLogTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CapturingLoggerProvider _loggers = new();

    public void Dispose() => _dir.Dispose();

    private FileLogStore OpenStore(int segmentBytes = 64 * 1024 * 1024) =>
        new(new FileLogStoreOptions { DataDirectory = _dir.Path, SegmentBytes = segmentBytes }, _loggers);

    private static List<(long BaseOffset, byte[] Bytes)> ReadAll(IPartitionLog log, long from = -1)
    {
        var all = new List<(long, byte[])>();
        var offset = from < 0 ? log.LogStartOffset : from;
        while (offset < log.LogEndOffset)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var n = log.Read(offset, 10_000, buffer);
            Assert.True(n > 0, $"no data at {offset} below the log end {log.LogEndOffset}");
            var batches = TestBatches.Parse(buffer.WrittenSpan);
            all.AddRange(batches);
            var last = batches[^1].Bytes;
            offset = batches[^1].BaseOffset + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(last.AsSpan(23)) + 1;
        }

        return all;
    }

    /// <summary>Appends batches 0..count-1 (1-3 records each, ~1 KB) and returns them with their assigned base offsets.</summary>
    private static List<(long BaseOffset, byte[] Batch)> AppendMany(IPartitionLog log, int count, int firstId = 0, long timestamp = 1_700_000_000_000)
    {
        var appended = new List<(long, byte[])>();
        for (var i = firstId; i < firstId + count; i++)
        {
            var batch = TestBatches.Create(i, records: 1 + i % 3, valueBytes: 300, timestamp: timestamp);
            appended.Add((TestBatches.Append(log, batch), batch));
        }

        return appended;
    }

    private static void AssertLogHolds(IPartitionLog log, List<(long BaseOffset, byte[] Batch)> expected)
    {
        var stored = ReadAll(log);
        Assert.Equal(expected.Count, stored.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].BaseOffset, stored[i].BaseOffset);
            TestBatches.AssertSameBatch(expected[i].Batch, stored[i].Bytes, expected[i].BaseOffset);
        }
    }

    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var large = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Assert.Equal(Crc32C.Compute(large), Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, large.AsSpan(0, 333)), large.AsSpan(333))));
    }

    [Theory]
    [InlineData(12_287)]
    [InlineData(12_288)]
    [InlineData(12_289)]
    [InlineData(100_003)]
    [InlineData(1_048_576)]
    public void Crc32C_three_way_path_matches_a_bitwise_reference_at_any_split(int length)
    {
        // Inputs of 3 x 4 KiB and more take the interleaved path; the reference is the polynomial long division.
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var reference = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            reference ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                reference = (reference & 1) != 0 ? (reference >> 1) ^ 0x82F63B78u : reference >> 1;
            }
        }

        reference = ~reference;
        Assert.Equal(reference, Crc32C.Compute(data));
        foreach (var split in new[] { 1, 7, 4096, 12_289, length / 2 })
        {
            var at = Math.Min(split, length);
            Assert.Equal(reference, Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, data.AsSpan(0, at)), data.AsSpan(at))));
        }
    }

    [Fact]
    public void Appends_assign_contiguous_offsets_and_read_back_unchanged_across_segment_rolls()
    {
        using var store = OpenStore(segmentBytes: 4096);
        var log = store.OpenPartition("frames", 0);
        var appended = AppendMany(log, 60);

        var expectedOffset = 0L;
        foreach (var (baseOffset, batch) in appended)
        {
            Assert.Equal(expectedOffset, baseOffset);
            expectedOffset += System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(batch.AsSpan(23)) + 1;
        }

        Assert.Equal(expectedOffset, log.LogEndOffset);
        Assert.Equal(0, log.LogStartOffset);
        Assert.Equal(appended.Sum(a => (long)a.Batch.Length), log.SizeInBytes);
        Assert.True(((FilePartitionLog)log).SegmentCount >= 10, $"expected many 4 KiB segments, got {((FilePartitionLog)log).SegmentCount}");
        Assert.True(Directory.GetFiles(Path.Combine(_dir.Path, "frames-0"), "*.log").Length >= 10);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "frames-0", "00000000000000000000.log")));
        AssertLogHolds(log, appended);
    }

    [Fact]
    public void Reading_from_an_offset_inside_a_batch_returns_the_whole_batch()
    {
        using var store = OpenStore(segmentBytes: 4096);
        var log = store.OpenPartition("frames", 0);
        var appended = AppendMany(log, 30);

        foreach (var (baseOffset, batch) in appended)
        {
            var records = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(batch.AsSpan(23)) + 1;
            for (var offset = baseOffset; offset < baseOffset + records; offset++)
            {
                var buffer = new ArrayBufferWriter<byte>();
                log.Read(offset, 1, buffer);
                var batches = TestBatches.Parse(buffer.WrittenSpan);
                Assert.Single(batches);
                TestBatches.AssertSameBatch(batch, batches[0].Bytes, baseOffset);
            }
        }
    }

    [Fact]
    public void MaxBytes_returns_whole_batches_only_and_always_the_first_one()
    {
        using var store = OpenStore();
        var log = store.OpenPartition("frames", 0);
        var first = TestBatches.Create(1, valueBytes: 5000);
        var second = TestBatches.Create(2, valueBytes: 700);
        var third = TestBatches.Create(3, valueBytes: 700);
        TestBatches.Append(log, first);
        TestBatches.Append(log, second);
        TestBatches.Append(log, third);

        int Count(int maxBytes)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var n = log.Read(0, maxBytes, buffer);
            Assert.Equal(buffer.WrittenCount, n);
            return TestBatches.Parse(buffer.WrittenSpan).Count;
        }

        Assert.Equal(1, Count(100));
        Assert.Equal(1, Count(first.Length));
        Assert.Equal(1, Count(first.Length + second.Length - 1));
        Assert.Equal(2, Count(first.Length + second.Length));
        Assert.Equal(3, Count(first.Length + second.Length + third.Length));
        Assert.Equal(3, Count(int.MaxValue));
    }

    [Fact]
    public void Reading_at_the_log_end_returns_nothing_and_outside_the_log_is_out_of_range()
    {
        using var store = OpenStore();
        var log = store.OpenPartition("frames", 0);
        var empty = new ArrayBufferWriter<byte>();
        Assert.Equal(0, log.Read(0, 1000, empty));
        AppendMany(log, 3);
        Assert.Equal(0, log.Read(log.LogEndOffset, 1000, empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(log.LogEndOffset + 1, 1000, empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(-1, 1000, empty));
        Assert.Equal(0, empty.WrittenCount);
    }

    [Fact]
    public void A_reopened_store_serves_everything_and_appends_after_it()
    {
        List<(long, byte[])> appended;
        List<(long, byte[])> other;
        using (var store = OpenStore(segmentBytes: 4096))
        {
            appended = AppendMany(store.OpenPartition("frames", 0), 40);
            other = AppendMany(store.OpenPartition("frames", 2), 5, firstId: 100);
            store.OpenPartition("my.topic-name_x", 0);
            Assert.Empty(store.ExistingTopics);
        }

        using (var store = OpenStore(segmentBytes: 4096))
        {
            Assert.Equal(3, store.ExistingTopics["frames"]);
            Assert.Equal(1, store.ExistingTopics["my.topic-name_x"]);
            Assert.Equal(2, store.ExistingTopics.Count);
            var log = store.OpenPartition("frames", 0);
            AssertLogHolds(log, appended);
            AssertLogHolds(store.OpenPartition("frames", 2), other);
            Assert.Equal(0, store.OpenPartition("frames", 1).LogEndOffset);

            var end = log.LogEndOffset;
            var more = AppendMany(log, 5, firstId: 40);
            Assert.Equal(end, more[0].BaseOffset);
            AssertLogHolds(log, [.. appended, .. more]);
        }
    }

    [Fact]
    public void A_tail_cut_mid_batch_is_truncated_with_a_warning_and_the_rest_served()
    {
        List<(long BaseOffset, byte[] Batch)> appended;
        using (var store = OpenStore(segmentBytes: 4096))
        {
            appended = AppendMany(store.OpenPartition("frames", 0), 20);
        }

        var last = Directory.GetFiles(Path.Combine(_dir.Path, "frames-0"), "*.log").Max()!;
        var lengthBefore = new FileInfo(last).Length;
        using (var file = new FileStream(last, FileMode.Open))
        {
            file.SetLength(lengthBefore - appended[^1].Batch.Length / 2);
        }

        using (var store = OpenStore(segmentBytes: 4096))
        {
            var log = store.OpenPartition("frames", 0);
            Assert.Equal(appended[^1].BaseOffset, log.LogEndOffset);
            AssertLogHolds(log, appended[..^1]);
            var warning = Assert.Single(_loggers.Entries, e => e.Level == LogLevel.Warning);
            Assert.Contains("frames-0", warning.Message);
            Assert.Contains($"position {lengthBefore - appended[^1].Batch.Length}", warning.Message);
            Assert.Contains($"truncated {appended[^1].Batch.Length - appended[^1].Batch.Length / 2} bytes", warning.Message);
            Assert.Equal(lengthBefore - appended[^1].Batch.Length, new FileInfo(last).Length);

            var again = AppendMany(log, 2, firstId: 50);
            Assert.Equal(appended[^1].BaseOffset, again[0].BaseOffset);
            AssertLogHolds(log, [.. appended[..^1], .. again]);
        }
    }

    [Theory]
    [InlineData(100)] // a record value byte: only the CRC can tell
    [InlineData(30)] // lastOffsetDelta, inside the CRC'd range
    [InlineData(10)] // batchLength: now runs past the end of the file
    public void A_damaged_last_batch_is_truncated_and_earlier_batches_served(int byteInBatch)
    {
        List<(long BaseOffset, byte[] Batch)> appended;
        using (var store = OpenStore())
        {
            appended = AppendMany(store.OpenPartition("frames", 0), 10);
        }

        var segment = Path.Combine(_dir.Path, "frames-0", "00000000000000000000.log");
        var bytes = File.ReadAllBytes(segment);
        var lastStart = bytes.Length - appended[^1].Batch.Length;
        bytes[lastStart + byteInBatch] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        using (var store = OpenStore())
        {
            var log = store.OpenPartition("frames", 0);
            Assert.Equal(appended[^1].BaseOffset, log.LogEndOffset);
            AssertLogHolds(log, appended[..^1]);
            var warning = Assert.Single(_loggers.Entries, e => e.Level == LogLevel.Warning);
            Assert.Contains($"position {lastStart}", warning.Message);
            Assert.Equal(lastStart, new FileInfo(segment).Length);
        }
    }

    [Fact]
    public void A_short_header_at_the_tail_is_truncated()
    {
        List<(long BaseOffset, byte[] Batch)> appended;
        using (var store = OpenStore())
        {
            appended = AppendMany(store.OpenPartition("frames", 0), 3);
        }

        var segment = Path.Combine(_dir.Path, "frames-0", "00000000000000000000.log");
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write(TestBatches.Create(9).AsSpan(0, 30));
        }

        using var reopened = OpenStore();
        var log = reopened.OpenPartition("frames", 0);
        AssertLogHolds(log, appended);
        Assert.Contains(_loggers.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains("short batch header") && e.Message.Contains("truncated 30 bytes"));
    }

    [Fact]
    public void Retention_by_bytes_drops_whole_oldest_segments_never_the_active_one()
    {
        using var store = OpenStore(segmentBytes: 4096);
        var log = (FilePartitionLog)store.OpenPartition("frames", 0);
        var appended = AppendMany(log, 60);
        var segmentsBefore = log.SegmentCount;

        log.ApplyRetention(retentionBytes: 10_000, retentionAge: null, DateTimeOffset.UtcNow);

        Assert.True(log.SegmentCount < segmentsBefore);
        Assert.True(log.SizeInBytes >= 10_000, $"kept {log.SizeInBytes} bytes, fewer than the limit");
        Assert.True(log.SizeInBytes < 10_000 + 4096 + 1000, $"kept {log.SizeInBytes} bytes, more than a segment over the limit");
        var kept = appended.Where(a => a.BaseOffset >= log.LogStartOffset).ToList();
        Assert.Equal(log.LogStartOffset, kept[0].BaseOffset);
        Assert.Equal(Directory.GetFiles(Path.Combine(_dir.Path, "frames-0"), "*.log").Length, log.SegmentCount);
        AssertLogHolds(log, kept);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(log.LogStartOffset - 1, 1000, new ArrayBufferWriter<byte>()));

        log.ApplyRetention(retentionBytes: 0, retentionAge: null, DateTimeOffset.UtcNow);
        Assert.Equal(1, log.SegmentCount);
        var endBefore = log.LogEndOffset;
        Assert.Equal(endBefore, AppendMany(log, 1)[0].BaseOffset);

        // The start offset survives a restart: it is the first segment file's name.
        var start = log.LogStartOffset;
        store.Dispose();
        using var reopened = OpenStore(segmentBytes: 4096);
        Assert.Equal(start, reopened.OpenPartition("frames", 0).LogStartOffset);
    }

    [Fact]
    public void Retention_by_age_drops_segments_whose_newest_batch_is_too_old()
    {
        using var store = OpenStore(segmentBytes: 4096);
        var log = (FilePartitionLog)store.OpenPartition("frames", 0);
        var now = DateTimeOffset.UtcNow;
        var old = AppendMany(log, 20, timestamp: now.AddHours(-3).ToUnixTimeMilliseconds());
        var recent = AppendMany(log, 20, firstId: 20, timestamp: now.AddMinutes(-5).ToUnixTimeMilliseconds());

        log.ApplyRetention(retentionBytes: null, retentionAge: TimeSpan.FromHours(1), now);

        // Every segment holding only old batches is gone; the one where old meets recent stays.
        Assert.True(log.LogStartOffset > 0);
        Assert.True(log.LogStartOffset <= recent[0].BaseOffset);
        AssertLogHolds(log, [.. old.Where(a => a.BaseOffset >= log.LogStartOffset), .. recent]);

        log.ApplyRetention(retentionBytes: null, retentionAge: TimeSpan.FromMinutes(1), now);
        Assert.Equal(1, log.SegmentCount);
        Assert.True(log.LogEndOffset > log.LogStartOffset, "the active segment must be kept even when it is old");
    }

    [Fact]
    public void OffsetForTimestamp_finds_the_first_batch_at_or_after_the_time()
    {
        using var store = OpenStore(segmentBytes: 4096);
        var log = store.OpenPartition("frames", 0);
        var appended = new List<(long BaseOffset, byte[] Batch)>();
        for (var i = 0; i < 40; i++)
        {
            var batch = TestBatches.Create(i, valueBytes: 300, timestamp: 1_000_000 + i * 1000);
            appended.Add((TestBatches.Append(log, batch), batch));
        }

        Assert.Equal(0, log.OffsetForTimestamp(0));
        Assert.Equal(appended[17].BaseOffset, log.OffsetForTimestamp(1_000_000 + 17 * 1000));
        Assert.Equal(appended[18].BaseOffset, log.OffsetForTimestamp(1_000_000 + 17 * 1000 + 1));
        Assert.Equal(appended[39].BaseOffset, log.OffsetForTimestamp(1_000_000 + 39 * 1000));
        Assert.Null(log.OffsetForTimestamp(1_000_000 + 39 * 1000 + 1));
    }

    [Fact]
    public async Task WaitForData_completes_on_append_and_ends_quietly_on_cancellation()
    {
        using var store = OpenStore();
        var log = store.OpenPartition("frames", 0);
        Assert.True(log.WaitForDataAsync(-1, CancellationToken.None).IsCompleted);

        var waiting = log.WaitForDataAsync(0, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        var appender = Task.Run(() => AppendMany(log, 1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        await appender;
        Assert.True(log.LogEndOffset > 0);

        using var cancel = new CancellationTokenSource();
        var idle = log.WaitForDataAsync(log.LogEndOffset, cancel.Token);
        Assert.False(idle.IsCompleted);
        await cancel.CancelAsync();
        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(idle.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Readers_running_during_appends_only_ever_see_whole_valid_batches()
    {
        using var store = OpenStore(segmentBytes: 64 * 1024);
        var log = store.OpenPartition("frames", 0);
        var expected = Enumerable.Range(0, 400).Select(i => TestBatches.Create(i, records: 1 + i % 4, valueBytes: 200 + (i * 37 % 3000))).ToArray();
        var writer = Task.Run(() =>
        {
            foreach (var batch in expected)
            {
                TestBatches.Append(log, batch);
            }
        });

        async Task ReadAlong()
        {
            var offset = 0L;
            var batchIndex = 0;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (batchIndex < expected.Length)
            {
                await log.WaitForDataAsync(offset, deadline.Token);
                deadline.Token.ThrowIfCancellationRequested();
                var buffer = new ArrayBufferWriter<byte>();
                log.Read(offset, 20_000, buffer);
                foreach (var (baseOffset, bytes) in TestBatches.Parse(buffer.WrittenSpan))
                {
                    TestBatches.AssertSameBatch(expected[batchIndex++], bytes, baseOffset);
                    offset = baseOffset + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(23)) + 1;
                }
            }
        }

        await Task.WhenAll(writer, ReadAlong(), ReadAlong());
    }

    [Fact]
    public void Large_batches_round_trip_in_one_read()
    {
        using var store = OpenStore();
        var log = store.OpenPartition("frames", 0);
        var big = TestBatches.Create(1, records: 2, valueBytes: 600_000);
        TestBatches.Append(log, big);
        var buffer = new ArrayBufferWriter<byte>();
        log.Read(1, 1024, buffer);
        TestBatches.AssertSameBatch(big, Assert.Single(TestBatches.Parse(buffer.WrittenSpan)).Bytes, 0);
        var text = Encoding.ASCII.GetString(buffer.WrittenSpan);
        Assert.Contains("batch 1 record 0 ", text, StringComparison.Ordinal);
        Assert.Contains("batch 1 record 1 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_and_large_batches_interleaved_keep_their_offsets_leave_the_callers_bytes_alone_and_reopen_whole()
    {
        // Batches over 16 KiB are written as a patched prefix plus the caller's bytes, smaller ones as one copied write.
        var appended = new List<(long BaseOffset, byte[] Batch)>();
        using (var store = OpenStore())
        {
            var log = store.OpenPartition("frames", 0);
            for (var i = 0; i < 6; i++)
            {
                var batch = TestBatches.Create(i, records: 3, valueBytes: i % 2 == 0 ? 50 : 40_000);
                var original = batch.ToArray();
                appended.Add((TestBatches.Append(log, batch), batch));
                Assert.Equal(original, batch);
            }

            AssertLogHolds(log, appended);
        }

        using var reopened = OpenStore();
        var again = reopened.OpenPartition("frames", 0);
        Assert.Equal(18, again.LogEndOffset);
        AssertLogHolds(again, appended);
    }

    [Fact]
    public void DeleteTopic_removes_its_folders_and_it_is_not_found_again()
    {
        using (var store = OpenStore())
        {
            AppendMany(store.OpenPartition("doomed", 0), 2);
            AppendMany(store.OpenPartition("doomed", 1), 2);
            AppendMany(store.OpenPartition("doomed-2", 0), 2);
            store.DeleteTopic("doomed");
            Assert.False(Directory.Exists(Path.Combine(_dir.Path, "doomed-0")));
            Assert.False(Directory.Exists(Path.Combine(_dir.Path, "doomed-1")));
            Assert.Equal(0, store.OpenPartition("doomed", 0).LogEndOffset);
            store.DeleteTopic("doomed");
        }

        using var reopened = OpenStore();
        Assert.Equal(["doomed-2"], reopened.ExistingTopics.Keys);
        Assert.Equal(3, reopened.OpenPartition("doomed-2", 0).LogEndOffset);
    }

    [Fact]
    public void With_a_flush_interval_rolled_and_active_segments_are_fsynced_and_reopen_whole()
    {
        var options = new FileLogStoreOptions { DataDirectory = _dir.Path, SegmentBytes = 4096, FlushIntervalMs = 1 };
        List<(long BaseOffset, byte[] Batch)> appended;
        using (var store = new FileLogStore(options, _loggers))
        {
            var log = (FilePartitionLog)store.OpenPartition("frames", 0);
            appended = AppendMany(log, 20);
            store.Offsets.Commit("g", "frames", 0, new CommittedOffset(5, -1, null, 1));
            log.Flush();
            Assert.True(log.SegmentCount > 1);
        }

        using var reopened = new FileLogStore(options, _loggers);
        AssertLogHolds(reopened.OpenPartition("frames", 0), appended);
        Assert.True(reopened.Offsets.TryGet("g", "frames", 0, out var committed));
        Assert.Equal(5, committed.Offset);
        Assert.DoesNotContain(_loggers.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Bad_topic_names_and_a_second_store_on_the_same_folder_are_refused_clearly()
    {
        using var store = OpenStore();
        var bad = Assert.Throws<ArgumentException>(() => store.OpenPartition("../escape", 0));
        Assert.Contains("Invalid topic name '../escape'", bad.Message);
        Assert.Throws<ArgumentException>(() => store.OpenPartition("..", 0));

        var busy = Assert.Throws<IOException>(() => new FileLogStore(_dir.Path, _loggers));
        Assert.Contains("in use by another broker", busy.Message);
    }
}
