using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using AspirePipeline.Broker;
using AspirePipeline.Broker.Apis;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using AspirePipeline.Broker.Topics;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// Fetch against appends that land while it is being served: the moments between its steps are made to happen by a
/// log that appends a batch at a chosen step (what a producer on another connection does at any instant under load).
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class FetchHandlerTests : IDisposable
{
    private const string Topic = "fetch-race";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private readonly RacingStore _store = new(new InMemoryLogStore());
    private readonly TopicRegistry _topics;
    private readonly RacingLog _log;

    public FetchHandlerTests()
    {
        _topics = new TopicRegistry(_store, Options.Create(new BrokerOptions()), NullLogger<TopicRegistry>.Instance);
        Assert.Equal(ErrorCode.None, _topics.Create(Topic, 1, null, validateOnly: false, out var message));
        Assert.Null(message);
        _log = _store.Logs.Single();
    }

    public void Dispose() => _topics.Dispose();

    [Fact]
    public async Task The_high_watermark_it_reports_is_past_every_record_it_carries()
    {
        _log.Append(RawKafkaConnection.RecordBatch(["first"]), 0);
        // Between the broker's look at the log end (1) and its read of the records, another batch lands.
        _log.BeforeRead = () => _log.AppendInner(RawKafkaConnection.RecordBatch(["second", "third"]));

        var answer = await FetchAsync(maxWaitMs: 0).WaitAsync(Deadline);

        Assert.Equal(ErrorCode.None, answer.Error);
        Assert.True(answer.LastOffset >= 0, "the response carried no records");
        Assert.True(answer.HighWatermark > answer.LastOffset,
            $"high watermark {answer.HighWatermark} is not past the last record sent, offset {answer.LastOffset}: a consumer would see negative lag");
    }

    [Fact]
    public async Task An_append_that_lands_just_after_the_readiness_check_ends_the_long_poll()
    {
        // The log is empty when the fetch looks; the first append lands right after that look (at the broker's next
        // look at the log end, or when it starts waiting, whichever comes first). MaxWaitMs is 30 s: an answer within
        // the 5 s deadline comes because the append was seen, not because the wait ran out.
        _log.AppendAfterFirstLook(RawKafkaConnection.RecordBatch(["arrived between the check and the wait"]));

        var answer = await FetchAsync(maxWaitMs: 30_000).WaitAsync(Deadline);

        Assert.Equal(ErrorCode.None, answer.Error);
        Assert.Equal(0, answer.LastOffset);
        Assert.Equal(1, answer.HighWatermark);
    }

    private async Task<(short Error, long HighWatermark, long LastOffset)> FetchAsync(int maxWaitMs)
    {
        using var request = new KafkaWriter();
        request.WriteInt32(-1);
        request.WriteInt32(maxWaitMs);
        request.WriteInt32(1);
        request.WriteInt32(10_000_000);
        request.WriteInt8(0);
        request.WriteInt32(1);
        request.WriteString(Topic);
        request.WriteInt32(1);
        request.WriteInt32(0);
        request.WriteInt64(0);
        request.WriteInt32(10_000_000);
        var context = new RequestContext(ApiKey.Fetch, 4, 1, "fetch-test", new KafkaReader(request.WrittenMemory.ToArray()), 1,
            new IPEndPoint(IPAddress.Loopback, 50_000));
        using var response = new KafkaWriter();
        Assert.True(await new FetchHandler(_topics).HandleAsync(context, response, CancellationToken.None));

        // v4: throttle, [topic: name, [partition: index, error, high watermark, last stable offset, aborted, records]].
        var reader = new KafkaReader(response.WrittenMemory.ToArray());
        _ = reader.ReadInt32();
        Assert.Equal(1, reader.ReadInt32());
        Assert.Equal(Topic, reader.ReadString());
        Assert.Equal(1, reader.ReadInt32());
        Assert.Equal(0, reader.ReadInt32());
        var error = reader.ReadInt16();
        var highWatermark = reader.ReadInt64();
        _ = reader.ReadInt64();
        _ = reader.ReadInt32();
        var records = reader.ReadNullableBytes() ?? ReadOnlyMemory<byte>.Empty;
        return (error, highWatermark, LastOffset(records.Span));
    }

    /// <summary>The last offset in a record set (base offset + lastOffsetDelta of its last batch), -1 when empty.</summary>
    private static long LastOffset(ReadOnlySpan<byte> records)
    {
        var last = -1L;
        while (records.Length >= 27)
        {
            var baseOffset = BinaryPrimitives.ReadInt64BigEndian(records);
            var length = BinaryPrimitives.ReadInt32BigEndian(records[8..]);
            last = baseOffset + BinaryPrimitives.ReadInt32BigEndian(records[23..]);
            records = records[(12 + length)..];
        }

        return last;
    }

    /// <summary>The in-memory store, handing out <see cref="RacingLog"/>s.</summary>
    private sealed class RacingStore(ILogStore inner) : ILogStore
    {
        public List<RacingLog> Logs { get; } = [];

        public IReadOnlyDictionary<string, int> ExistingTopics => inner.ExistingTopics;

        public IOffsetStore Offsets => inner.Offsets;

        public int DefaultSegmentBytes => inner.DefaultSegmentBytes;

        public string? DataDirectory => inner.DataDirectory;

        public IPartitionLog OpenPartition(string topic, int partition)
        {
            var log = new RacingLog(inner.OpenPartition(topic, partition));
            Logs.Add(log);
            return log;
        }

        public void DeleteTopic(string topic) => inner.DeleteTopic(topic);

        public IReadOnlyDictionary<string, string> ReadTopicConfig(string topic) => inner.ReadTopicConfig(topic);

        public void WriteTopicConfig(string topic, IReadOnlyDictionary<string, string> configs) => inner.WriteTopicConfig(topic, configs);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A partition log that appends a batch at a chosen step of a fetch, once.</summary>
    private sealed class RacingLog(IPartitionLog inner) : IPartitionLog
    {
        private int _endOffsetLooks;
        private byte[]? _pending;

        /// <summary>Runs once, just before the next read of records.</summary>
        public Action? BeforeRead { get; set; }

        /// <summary>
        /// Appends <paramref name="batch"/> once, after the next look at the log end offset: at the look after it, or when a
        /// wait starts, whichever is first.
        /// </summary>
        public void AppendAfterFirstLook(byte[] batch)
        {
            _endOffsetLooks = 0;
            _pending = batch;
        }

        public long LogStartOffset => inner.LogStartOffset;

        public long LogEndOffset
        {
            get
            {
                if (++_endOffsetLooks == 2)
                {
                    AppendPending();
                }

                return inner.LogEndOffset;
            }
        }

        public long SizeInBytes => inner.SizeInBytes;

        public long Append(ReadOnlySpan<byte> batch, long maxTimestamp) => inner.Append(batch, maxTimestamp);

        public void AppendInner(byte[] batch) => inner.Append(batch, 0);

        public int Read(long offset, int maxBytes, IBufferWriter<byte> destination)
        {
            var before = BeforeRead;
            BeforeRead = null;
            before?.Invoke();
            return inner.Read(offset, maxBytes, destination);
        }

        public Task WaitForDataAsync(long offset, CancellationToken cancellationToken)
        {
            AppendPending();
            return inner.WaitForDataAsync(offset, cancellationToken);
        }

        private void AppendPending()
        {
            if (_pending is { } batch)
            {
                _pending = null;
                inner.Append(batch, 0);
            }
        }

        public long? OffsetForTimestamp(long timestamp) => inner.OffsetForTimestamp(timestamp);

        public (int Segments, long Bytes) ApplyRetention(long? retentionBytes, TimeSpan? retentionAge, DateTimeOffset now) =>
            inner.ApplyRetention(retentionBytes, retentionAge, now);

        public void SetRollLimits(int segmentBytes, long segmentMs) => inner.SetRollLimits(segmentBytes, segmentMs);

        public void Dispose() => inner.Dispose();
    }
}
