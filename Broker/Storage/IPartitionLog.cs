namespace AspirePipeline.Broker.Storage;

/// <summary>
/// The log of one topic partition: record batches (Kafka record batch v2) kept exactly as received except for the
/// base offset the log assigns. Single node, so the high watermark is the log end offset.
/// Implementations are thread-safe: appends are serialised internally, reads run concurrently with appends.
/// </summary>
internal interface IPartitionLog : IDisposable
{
    /// <summary>First offset still readable (grows with retention).</summary>
    long LogStartOffset { get; }

    /// <summary>Offset the next appended record gets (= high watermark = last stable offset here).</summary>
    long LogEndOffset { get; }

    /// <summary>Total bytes of batches held.</summary>
    long SizeInBytes { get; }

    /// <summary>
    /// Appends one record batch: writes <paramref name="batch"/> with its baseOffset field (bytes 0..7) rewritten to the
    /// log end offset and partitionLeaderEpoch (bytes 12..15) to 0, and advances the log end offset by
    /// lastOffsetDelta + 1. Both rewritten fields lie outside the batch CRC. When this returns, the batch is in the
    /// operating system (a process crash cannot lose it) and readable. Returns the assigned base offset.
    /// The caller has validated the batch (size, magic 2, CRC).
    /// </summary>
    long Append(ReadOnlySpan<byte> batch, long maxTimestamp);

    /// <summary>
    /// Copies whole batches starting with the one containing <paramref name="offset"/> into <paramref name="destination"/>,
    /// stopping before the batch that would exceed <paramref name="maxBytes"/>, except that the first batch is always
    /// returned whole even if larger (Kafka's rule, so a consumer can always make progress).
    /// Returns the number of bytes written (0 when offset == LogEndOffset).
    /// Throws <see cref="ArgumentOutOfRangeException"/> when offset is outside [LogStartOffset, LogEndOffset].
    /// </summary>
    int Read(long offset, int maxBytes, System.Buffers.IBufferWriter<byte> destination);

    /// <summary>Earliest offset whose batch max timestamp is >= <paramref name="timestamp"/>, or null if none.</summary>
    long? OffsetForTimestamp(long timestamp);

    /// <summary>
    /// Completes when the log end offset exceeds <paramref name="offset"/> or the token is cancelled (Fetch long-poll).
    /// </summary>
    Task WaitForDataAsync(long offset, CancellationToken cancellationToken);

    /// <summary>
    /// Drops whole oldest segments/batches beyond the byte or age limit (null = unlimited), never the active one, and
    /// moves the log start offset past them. Returns how many segments (batches in memory) and bytes were deleted.
    /// </summary>
    (int Segments, long Bytes) ApplyRetention(long? retentionBytes, TimeSpan? retentionAge, DateTimeOffset now);

    /// <summary>
    /// When the active segment is closed and a new one started: before a batch that would take it past
    /// <paramref name="segmentBytes"/>, or once its first batch is <paramref name="segmentMs"/> old (the topic's
    /// segment.bytes and segment.ms). Retention deletes only closed segments, so these bound what it can leave.
    /// </summary>
    void SetRollLimits(int segmentBytes, long segmentMs);
}

/// <summary>Creates and opens partition logs; the broker asks it for every partition it owns.</summary>
internal interface ILogStore : IDisposable
{
    /// <summary>Topic name → partition count of the topics found at start (empty for a fresh or in-memory store).</summary>
    IReadOnlyDictionary<string, int> ExistingTopics { get; }

    IPartitionLog OpenPartition(string topic, int partition);

    /// <summary>Removes a topic's logs for good (DeleteTopics).</summary>
    void DeleteTopic(string topic);

    /// <summary>Committed consumer group offsets survive restarts through this store.</summary>
    IOffsetStore Offsets { get; }

    /// <summary>Segment size of topics that do not set segment.bytes.</summary>
    int DefaultSegmentBytes { get; }

    /// <summary>Directory the logs live in (null in memory): named in storage errors and measured for free space.</summary>
    string? DataDirectory { get; }

    /// <summary>The topic's config overrides as last written (empty when none or unknown).</summary>
    IReadOnlyDictionary<string, string> ReadTopicConfig(string topic);

    /// <summary>Replaces the topic's config overrides durably (they survive a restart); throws IOException on a full disk.</summary>
    void WriteTopicConfig(string topic, IReadOnlyDictionary<string, string> configs);
}

/// <summary>One committed offset of a consumer group.</summary>
internal readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string? Metadata, long CommitTimestamp);

internal interface IOffsetStore
{
    void Commit(string group, string topic, int partition, CommittedOffset offset);

    bool TryGet(string group, string topic, int partition, out CommittedOffset offset);

    IReadOnlyCollection<(string Topic, int Partition, CommittedOffset Offset)> GetAll(string group);

    IReadOnlyCollection<string> Groups { get; }

    void DeleteGroup(string group);
}
