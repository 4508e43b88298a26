using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Records;
using AspirePipeline.Broker.Storage;
using AspirePipeline.Broker.Topics;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// Produce v3-8. Each partition's records are validated by their 61-byte batch headers and CRC only, then appended as
/// opaque bytes. acks 0/1/-1 behave alike on a single node (the append is in the OS when it returns); acks=0 gets no
/// response. A write the data directory refuses (a full disk) answers that partition KAFKA_STORAGE_ERROR, which
/// clients retry, instead of failing the connection.
/// </summary>
internal sealed partial class ProduceHandler(
    TopicRegistry topics,
    StorageHealth storage,
    ILogger<ProduceHandler> logger) : IApiHandler
{
    private const short InvalidRequiredAcks = 21;

    public ApiKey Key => ApiKey.Produce;

    public short MinVersion => 3;

    public short MaxVersion => 8;

    private struct PartitionRequest
    {
        public int Index;
        public ReadOnlyMemory<byte>? Records;
        public short Error;
        public long BaseOffset;
        public long LogStartOffset;
        public string? Message;
    }

    private sealed record TopicRequest(string Name, PartitionRequest[] Partitions);

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var transactionalId = body.ReadNullableString();
        var acks = body.ReadInt16();
        _ = body.ReadInt32();

        // Parse everything before appending anything: a request truncated halfway must not leave half its batches
        // in the log (the client would retry the whole request and duplicate them).
        var topicCount = body.ReadArrayCount(minElementSize: 6);
        var requests = new TopicRequest[topicCount];
        for (var t = 0; t < topicCount; t++)
        {
            var name = body.ReadString();
            var partitionCount = body.ReadArrayCount(minElementSize: 8);
            var partitions = new PartitionRequest[partitionCount];
            for (var p = 0; p < partitionCount; p++)
            {
                partitions[p].Index = body.ReadInt32();
                partitions[p].Records = body.ReadNullableBytes();
            }

            requests[t] = new TopicRequest(name, partitions);
        }

        foreach (var topicRequest in requests)
        {
            var error = acks is -1 or 0 or 1 ? ErrorCode.None : InvalidRequiredAcks;
            Topic? topic = null;
            if (error == ErrorCode.None)
            {
                error = transactionalId is null
                    ? topics.GetOrAutoCreate(topicRequest.Name, requestAllowsCreation: true, out topic)
                    : ErrorCode.InvalidRequest;
            }

            for (var p = 0; p < topicRequest.Partitions.Length; p++)
            {
                ref var partitionRequest = ref topicRequest.Partitions[p];
                if (error != ErrorCode.None)
                {
                    partitionRequest.Error = error;
                    partitionRequest.BaseOffset = -1;
                    partitionRequest.LogStartOffset = -1;
                    partitionRequest.Message = transactionalId is null ? null : "transactions are not supported by this broker";
                    continue;
                }

                if (!topic!.TryGetPartition(partitionRequest.Index, out var partition))
                {
                    partitionRequest.Error = ErrorCode.UnknownTopicOrPartition;
                    partitionRequest.BaseOffset = -1;
                    partitionRequest.LogStartOffset = -1;
                    continue;
                }

                AppendBatches(request, partition, topic.Config, ref partitionRequest);
            }
        }

        if (acks == 0)
        {
            return ValueTask.FromResult(false);
        }

        WriteResponse(response, request.ApiVersion, requests);
        return ValueTask.FromResult(true);
    }

    private void AppendBatches(RequestContext request, Partition partition, TopicConfig topicConfig, ref PartitionRequest partitionRequest)
    {
        partitionRequest.BaseOffset = -1;
        var records = partitionRequest.Records ?? ReadOnlyMemory<byte>.Empty;
        var maxMessageBytes = topics.Defaults.MaxMessageBytesOf(topicConfig);
        var error = Validate(records.Span, maxMessageBytes, out var message);
        if (error == ErrorCode.None)
        {
            var remaining = records;
            while (remaining.Length > 0)
            {
                RecordBatchHeader.TryRead(remaining.Span, out var header);
                var batch = remaining[..header.TotalSize];
                long baseOffset;
                try
                {
                    error = partition.Append(batch.Span, header, out baseOffset);
                }
                catch (IOException e)
                {
                    // The log truncated the partial write; nothing of this batch is stored or acknowledged. Kafka
                    // answers a failed log directory so, and clients retry it until space comes back.
                    storage.WriteFailed($"appending to {partition.Topic}-{partition.Index}", e);
                    partitionRequest.Error = ErrorCode.KafkaStorageError;
                    partitionRequest.BaseOffset = -1;
                    partitionRequest.Message = $"the broker's data directory does not take writes: {e.Message}";
                    partitionRequest.LogStartOffset = partition.Log.LogStartOffset;
                    return;
                }

                storage.WriteSucceeded();
                if (error != ErrorCode.None)
                {
                    message = error == ErrorCode.OutOfOrderSequenceNumber
                        ? $"producer {header.ProducerId} epoch {header.ProducerEpoch} sent sequence {header.BaseSequence} out of order"
                        : $"producer {header.ProducerId} epoch {header.ProducerEpoch} is fenced or unknown";
                    break;
                }

                if (partitionRequest.BaseOffset < 0)
                {
                    partitionRequest.BaseOffset = baseOffset;
                }

                remaining = remaining[header.TotalSize..];
            }
        }

        if (error != ErrorCode.None)
        {
            LogProduceRejected(request.ClientId, partition.Topic, partition.Index, error, message);
        }

        partitionRequest.Error = error;
        partitionRequest.Message = message;
        partitionRequest.LogStartOffset = partition.Log.LogStartOffset;
    }

    /// <summary>Checks every batch in a partition's records: framing, magic 2, size limit, CRC-32C.</summary>
    private static short Validate(ReadOnlySpan<byte> records, int maxMessageBytes, out string? message)
    {
        message = null;
        if (records.Length == 0)
        {
            message = "the partition's record set is empty";
            return ErrorCode.CorruptMessage;
        }

        while (records.Length > 0)
        {
            if (!RecordBatchHeader.TryRead(records, out var header))
            {
                message = $"{records.Length} trailing bytes are shorter than a record batch header";
                return ErrorCode.CorruptMessage;
            }

            if (header.Magic != 2)
            {
                message = $"record batch magic {header.Magic} is not supported; use a client that writes magic 2 (Kafka 0.11+)";
                return ErrorCode.UnsupportedForMessageFormat;
            }

            if (header.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LengthFieldEnd || header.TotalSize > records.Length)
            {
                message = $"record batch length {header.BatchLength} does not match the {records.Length} bytes sent";
                return ErrorCode.CorruptMessage;
            }

            if (header.TotalSize > maxMessageBytes)
            {
                message = $"record batch of {header.TotalSize} bytes exceeds the topic's max.message.bytes {maxMessageBytes}; " +
                    "raise it (topic config, or the broker's --message-max-bytes) or send smaller messages";
                return ErrorCode.MessageTooLarge;
            }

            if (header.LastOffsetDelta < 0 || header.IsControl || header.IsTransactional)
            {
                message = "transactional, control or negative-delta batches are not supported by this broker";
                return ErrorCode.InvalidRecord;
            }

            var batch = records[..header.TotalSize];
            if (RecordBatchHeader.ComputeCrc(batch) != RecordBatchHeader.StoredCrc(batch))
            {
                message = "record batch CRC-32C does not match its contents";
                return ErrorCode.CorruptMessage;
            }

            records = records[header.TotalSize..];
        }

        return ErrorCode.None;
    }

    private static void WriteResponse(KafkaWriter response, short version, TopicRequest[] requests)
    {
        response.WriteInt32(requests.Length);
        foreach (var topicRequest in requests)
        {
            response.WriteString(topicRequest.Name);
            response.WriteInt32(topicRequest.Partitions.Length);
            foreach (var partition in topicRequest.Partitions)
            {
                response.WriteInt32(partition.Index);
                response.WriteInt16(partition.Error);
                response.WriteInt64(partition.BaseOffset);
                response.WriteInt64(-1);
                if (version >= 5)
                {
                    response.WriteInt64(partition.LogStartOffset);
                }

                if (version >= 8)
                {
                    response.WriteInt32(0);
                    response.WriteNullableString(partition.Message);
                }
            }
        }

        response.WriteInt32(0);
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning,
        Message = "Produce from client {ClientId} to {Topic}-{Partition} rejected with error {ErrorCode}: {Reason}")]
    private partial void LogProduceRejected(string? clientId, string topic, int partition, short errorCode, string? reason);
}
