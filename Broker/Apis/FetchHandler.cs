using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// Fetch v4-11, sessionless (SessionId 0 tells clients to send full requests). Long-polls up to MaxWaitMs until
/// MinBytes are available in any requested partition; serves whole batches within MaxBytes and each partition's
/// limit, except that the first batch of the response is always whole so a consumer can make progress.
/// </summary>
internal sealed class FetchHandler(TopicRegistry topics) : IApiHandler
{
    public ApiKey Key => ApiKey.Fetch;

    public short MinVersion => 4;

    public short MaxVersion => 11;

    private struct PartitionFetch
    {
        public int Index;
        public long FetchOffset;
        public int MaxBytes;
        public Partition? Partition;
        public short Error;

        /// <summary>The log end offset at the last readiness check: the wait is for the log to grow past it.</summary>
        public long ObservedEnd;
    }

    private sealed record TopicFetch(string Name, PartitionFetch[] Partitions);

    public async ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var version = request.ApiVersion;
        _ = body.ReadInt32();
        var maxWaitMs = body.ReadInt32();
        var minBytes = body.ReadInt32();
        var maxBytes = body.ReadInt32();
        _ = body.ReadInt8();
        if (version >= 7)
        {
            _ = body.ReadInt32();
            _ = body.ReadInt32();
        }

        var topicCount = body.ReadArrayCount(minElementSize: 6);
        var requested = new TopicFetch[topicCount];
        for (var t = 0; t < topicCount; t++)
        {
            var name = body.ReadString();
            var partitionCount = body.ReadArrayCount(minElementSize: 16);
            var partitions = new PartitionFetch[partitionCount];
            for (var p = 0; p < partitionCount; p++)
            {
                partitions[p].Index = body.ReadInt32();
                if (version >= 9)
                {
                    _ = body.ReadInt32();
                }

                partitions[p].FetchOffset = body.ReadInt64();
                if (version >= 5)
                {
                    _ = body.ReadInt64();
                }

                partitions[p].MaxBytes = body.ReadInt32();
            }

            requested[t] = new TopicFetch(name, partitions);
        }

        if (version >= 7)
        {
            var forgotten = body.ReadArrayCount(minElementSize: 6);
            for (var i = 0; i < forgotten; i++)
            {
                _ = body.ReadString();
                var count = body.ReadArrayCount(minElementSize: 4);
                for (var p = 0; p < count; p++)
                {
                    _ = body.ReadInt32();
                }
            }
        }

        if (version >= 11)
        {
            _ = body.ReadString();
        }

        var waitable = Resolve(requested);
        var deadline = Environment.TickCount64 + Math.Max(maxWaitMs, 0);
        var start = response.Length;
        while (true)
        {
            var ready = HasDataOrError(requested, out var anyError);
            var remainingMs = deadline - Environment.TickCount64;
            if (ready || anyError || remainingMs <= 0 || minBytes <= 0)
            {
                var bytes = WriteResponse(response, version, requested, maxBytes);
                if (bytes >= minBytes || anyError || remainingMs <= 0)
                {
                    return true;
                }

                response.Truncate(start);
            }

            await WaitForDataAsync(requested, waitable, remainingMs, cancellationToken);
        }
    }

    /// <summary>Looks up each partition once; returns how many can be waited on.</summary>
    private int Resolve(TopicFetch[] requested)
    {
        var waitable = 0;
        foreach (var topicFetch in requested)
        {
            topics.TryGet(topicFetch.Name, out var topic);
            for (var p = 0; p < topicFetch.Partitions.Length; p++)
            {
                ref var fetch = ref topicFetch.Partitions[p];
                if (topic is null || !topic.TryGetPartition(fetch.Index, out var partition))
                {
                    fetch.Error = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                fetch.Partition = partition;
                waitable++;
            }
        }

        return waitable;
    }

    private bool HasDataOrError(TopicFetch[] requested, out bool anyError)
    {
        anyError = false;
        var ready = false;
        foreach (var topicFetch in requested)
        {
            for (var p = 0; p < topicFetch.Partitions.Length; p++)
            {
                ref var fetch = ref topicFetch.Partitions[p];
                if (fetch.Partition is not null &&
                    (!topics.TryGet(topicFetch.Name, out var current)
                        || !current.TryGetPartition(fetch.Index, out var live)
                        || !ReferenceEquals(live, fetch.Partition)))
                {
                    // Deleted (or deleted and recreated) while this fetch waited: its log is closed.
                    fetch.Partition = null;
                    fetch.Error = ErrorCode.UnknownTopicOrPartition;
                }

                if (fetch.Partition is null)
                {
                    anyError = true;
                    continue;
                }

                var log = fetch.Partition.Log;
                var end = log.LogEndOffset;
                fetch.ObservedEnd = end;
                if (fetch.FetchOffset < log.LogStartOffset || fetch.FetchOffset > end)
                {
                    fetch.Error = ErrorCode.OffsetOutOfRange;
                    anyError = true;
                }
                else
                {
                    fetch.Error = ErrorCode.None;
                    ready |= fetch.FetchOffset < end;
                }
            }
        }

        return ready;
    }

    /// <summary>Waits until any partition grows past what is there now, the deadline passes or the broker stops.</summary>
    private static async Task WaitForDataAsync(TopicFetch[] requested, int waitable, long remainingMs, CancellationToken cancellationToken)
    {
        if (waitable == 0)
        {
            // Nothing to wait on (empty request): Kafka holds such a fetch for MaxWaitMs too, which keeps idle clients
            // from spinning.
            await Task.Delay(TimeSpan.FromMilliseconds(remainingMs), cancellationToken);
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(remainingMs));
        var waits = new Task[waitable];
        var i = 0;
        foreach (var topicFetch in requested)
        {
            foreach (var fetch in topicFetch.Partitions)
            {
                if (fetch.Partition is not null)
                {
                    // Past what the check saw, not past the log's end now: an append that landed since the check
                    // completes the wait at once instead of waiting for the next append or the deadline.
                    waits[i++] = fetch.Partition.Log.WaitForDataAsync(Math.Max(fetch.FetchOffset, fetch.ObservedEnd), timeout.Token);
                }
            }
        }

        await Task.WhenAny(waits);
        await timeout.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Writes the response body; returns the record bytes it carries.</summary>
    private static int WriteResponse(KafkaWriter response, short version, TopicFetch[] requested, int maxBytes)
    {
        response.WriteInt32(0);
        if (version >= 7)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(0);
        }

        var total = 0;
        response.WriteInt32(requested.Length);
        foreach (var topicFetch in requested)
        {
            response.WriteString(topicFetch.Name);
            response.WriteInt32(topicFetch.Partitions.Length);
            foreach (var fetch in topicFetch.Partitions)
            {
                var log = fetch.Partition?.Log;
                response.WriteInt32(fetch.Index);
                response.WriteInt16(fetch.Error);
                // The high watermark and last stable offset are patched in after the records are read: appends go on
                // meanwhile, and a watermark read before the records could be below the last record sent (negative lag).
                var watermarksAt = response.Length;
                response.WriteInt64(-1);
                response.WriteInt64(-1);
                if (version >= 5)
                {
                    response.WriteInt64(log?.LogStartOffset ?? -1);
                }

                response.WriteInt32(0);
                if (version >= 11)
                {
                    response.WriteInt32(-1);
                }

                var lengthAt = response.ReserveInt32();
                var written = 0;
                if (log is not null && fetch.Error == ErrorCode.None && fetch.FetchOffset < fetch.ObservedEnd)
                {
                    written = ReadPartition(response, log, fetch, maxBytes, total);
                }

                response.PatchInt32(lengthAt, written);
                var end = log?.LogEndOffset ?? -1;
                response.PatchInt64(watermarksAt, end);
                response.PatchInt64(watermarksAt + 8, end);
                total += written;
            }
        }

        return total;
    }

    private static int ReadPartition(KafkaWriter response, Storage.IPartitionLog log, PartitionFetch fetch, int maxBytes, int totalSoFar)
    {
        var limit = Math.Min(fetch.MaxBytes, maxBytes - totalSoFar);
        if (totalSoFar > 0 && limit <= 0)
        {
            return 0;
        }

        var before = response.Length;
        int written;
        try
        {
            written = log.Read(fetch.FetchOffset, Math.Max(limit, 1), response);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Retention moved the log start past the offset since the range check; the next fetch reports it.
            response.Truncate(before);
            return 0;
        }

        if (totalSoFar > 0 && written > limit)
        {
            // Only the response's first batch may exceed the limits (Kafka's rule); later ones wait for the next fetch.
            response.Truncate(before);
            return 0;
        }

        return written;
    }
}
