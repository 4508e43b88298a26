using AspirePipeline.Broker;
using AspirePipeline.Broker.Records;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using static AspirePipeline.Tests.Broker.RawKafkaConnection;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

/// <summary>The broker's pure pieces: batch header and CRC, idempotence bookkeeping, command line, in-process start.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class BrokerUnitTests
{
    [Fact]
    public void Crc32C_matches_the_Castagnoli_check_value()
    {
        // The CRC covers bytes 21..end of a batch; prefix 21 bytes so the check string is exactly the covered part.
        byte[] batch = [.. new byte[21], .. "123456789"u8];
        Assert.Equal(0xE3069283u, RecordBatchHeader.ComputeCrc(batch));
    }

    [Fact]
    public void Header_reads_the_fields_of_a_real_batch_and_its_crc_verifies()
    {
        var batch = RecordBatch(["one", "two", "three"], producerId: 42, producerEpoch: 3, baseSequence: 7, timestamp: 1234);
        Assert.True(RecordBatchHeader.TryRead(batch, out var header));
        Assert.Equal(batch.Length, header.TotalSize);
        Assert.Equal(2, header.Magic);
        Assert.Equal(2, header.LastOffsetDelta);
        Assert.Equal(3, header.RecordCount);
        Assert.Equal(42, header.ProducerId);
        Assert.Equal(3, header.ProducerEpoch);
        Assert.Equal(7, header.BaseSequence);
        Assert.Equal(9, header.LastSequence);
        Assert.Equal(1234, header.MaxTimestamp);
        Assert.Equal(RecordBatchHeader.StoredCrc(batch), RecordBatchHeader.ComputeCrc(batch));
        Assert.False(RecordBatchHeader.TryRead(batch.AsSpan(0, 60), out _));
    }

    [Fact]
    public void Producer_sequences_detect_duplicates_gaps_and_fencing()
    {
        var sequences = new ProducerSequences();
        RecordBatchHeader Batch(short epoch, int sequence, int records = 2)
        {
            RecordBatchHeader.TryRead(RecordBatch([.. Enumerable.Repeat("x", records)], 9, epoch, sequence), out var header);
            return header;
        }

        var first = Batch(0, 0);
        Assert.Equal(ProducerSequences.Verdict.Append, sequences.Check(first, out _, out _));
        sequences.Appended(first, 100);
        Assert.Equal(ProducerSequences.Verdict.Duplicate, sequences.Check(first, out var original, out _));
        Assert.Equal(100, original);

        var second = Batch(0, 2);
        Assert.Equal(ProducerSequences.Verdict.Append, sequences.Check(second, out _, out _));
        sequences.Appended(second, 102);

        Assert.Equal(ProducerSequences.Verdict.Reject, sequences.Check(Batch(0, 7), out _, out var gap));
        Assert.Equal(AspirePipeline.Broker.Protocol.ErrorCode.OutOfOrderSequenceNumber, gap);

        var bumped = Batch(1, 0);
        Assert.Equal(ProducerSequences.Verdict.Append, sequences.Check(bumped, out _, out _));
        sequences.Appended(bumped, 104);
        Assert.Equal(ProducerSequences.Verdict.Reject, sequences.Check(Batch(0, 4), out _, out var fenced));
        Assert.Equal(AspirePipeline.Broker.Protocol.ErrorCode.InvalidProducerEpoch, fenced);

        // Non-idempotent batches bypass the checks entirely.
        RecordBatchHeader.TryRead(RecordBatch(["plain"]), out var plain);
        Assert.Equal(ProducerSequences.Verdict.Append, sequences.Check(plain, out _, out _));
    }

    [Theory]
    [InlineData(new[] { "--in-memory" }, new[] { "--in-memory=true" })]
    [InlineData(new[] { "--in-memory", "--port", "0" }, new[] { "--in-memory=true", "--port", "0" })]
    [InlineData(new[] { "--port=5", "--data-dir", "/x" }, new[] { "--port=5", "--data-dir", "/x" })]
    [InlineData(new[] { "--auto-create-topics", "false" }, new[] { "--auto-create-topics", "false" })]
    public void Command_line_flags_are_normalised(string[] args, string[] expected)
    {
        Assert.Equal(expected, BrokerCommandLine.Normalize(args, out var error));
        Assert.Null(error);
    }

    [Fact]
    public async Task In_process_broker_serves_a_real_client_and_refuses_bad_options()
    {
        var bad = new BrokerOptions { Port = 0, InMemory = false };
        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => KafkaBroker.StartAsync(bad, NullLoggerFactory.Instance));
        Assert.Contains("--data-dir", refused.Message);

        await using var broker = await KafkaBroker.StartAsync(new BrokerOptions { Port = 0, InMemory = true }, NullLoggerFactory.Instance);
        Assert.NotEqual(0, broker.Port);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var report = await producer.ProduceAsync("in-process", new Message<Null, string> { Value = "hello" });
        Assert.Equal(PersistenceStatus.Persisted, report.Status);
        Assert.True(broker.Topics.TryGet("in-process", out var topic));
        Assert.Equal(1, topic.Partitions[report.Partition.Value].Log.LogEndOffset);
        Assert.Equal("hello", report.Message.Value);
    }
}
