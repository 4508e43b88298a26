using System.Text.Json;
using AspirePipeline.Clips.Kafka;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Events;

/// <summary>
/// Reads the events topic: one record by its position (for its clip), or a camera's recent events of one type, from
/// the newest <c>Clips:EventsScanLimit</c> messages of every partition (filtered by key: independent of the producing
/// client's partitioner). Blocking: run it off the request thread.
/// </summary>
internal sealed class EventReader(ReaderConsumerFactory factory, IOptions<ClipsOptions> options)
{
    private static readonly TimeSpan ConsumeSlice = TimeSpan.FromMilliseconds(100);

    public PositionedEvent ReadAt(int partition, long offset, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var topic = settings.EventsTopic;
        using var consumer = factory.Create("event");
        var partitions = KafkaLookup.Partitions(consumer, topic, settings.KafkaTimeout)
            ?? throw ClipException.NotFound($"{topic} does not exist: no analysis has published an event.");
        if (partitions.All(p => p.Partition.Value != partition))
        {
            throw ClipException.NotFound($"{topic} has partitions 0 to {partitions.Count - 1}; there is no partition {partition}.");
        }
        var position = new TopicPartition(topic, partition);
        var watermarks = KafkaLookup.Watermarks(consumer, position, settings.KafkaTimeout);
        if (offset < watermarks.Low.Value)
        {
            throw ClipException.NotFound($"The event at {topic} partition {partition} offset {offset} was deleted by retention: "
                + $"the partition now starts at offset {watermarks.Low.Value}.");
        }
        if (offset >= watermarks.High.Value)
        {
            throw ClipException.NotFound($"{topic} partition {partition} has no offset {offset} yet: its next offset is {watermarks.High.Value}.");
        }
        consumer.Assign(new TopicPartitionOffset(position, offset));
        var deadline = Environment.TickCount64 + (long)settings.KafkaTimeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Consume(consumer, topic) is { IsPartitionEOF: false } result && result.Offset.Value >= offset)
            {
                return result.Offset.Value == offset
                    ? Parse(result)
                    : throw ClipException.NotFound($"{topic} partition {partition} has no record at offset {offset} "
                        + $"(a transaction marker or compacted away); the next record is at {result.Offset.Value}.");
            }
        }
        throw ClipException.KafkaUnavailable(
            $"Kafka did not send {topic} partition {partition} offset {offset} within {Instants.Describe(settings.KafkaTimeout)} "
            + "(Clips:KafkaTimeout).");
    }

    /// <summary>The newest <c>Clips:EventsShown</c> events of <paramref name="type"/> of <paramref name="camera"/>, newest first.</summary>
    public IReadOnlyList<PositionedEvent> Recent(string camera, string type, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var topic = settings.EventsTopic;
        using var consumer = factory.Create("events");
        var partitions = KafkaLookup.Partitions(consumer, topic, settings.KafkaTimeout);
        if (partitions is null)
        {
            return [];
        }
        var ends = new Dictionary<int, long>();
        var starts = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            var watermarks = KafkaLookup.Watermarks(consumer, partition, settings.KafkaTimeout);
            var start = Math.Max(watermarks.Low.Value, watermarks.High.Value - settings.EventsScanLimit);
            if (start < watermarks.High.Value)
            {
                ends[partition.Partition.Value] = watermarks.High.Value;
                starts.Add(new TopicPartitionOffset(partition, start));
            }
        }
        var found = new List<PositionedEvent>();
        consumer.Assign(starts);
        var lastAnswer = Environment.TickCount64;
        while (ends.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Consume(consumer, topic) is not { } result)
            {
                if (Environment.TickCount64 - lastAnswer > settings.KafkaTimeout.TotalMilliseconds)
                {
                    throw ClipException.KafkaUnavailable($"Kafka sent nothing of {topic} for {Instants.Describe(settings.KafkaTimeout)} "
                        + "(Clips:KafkaTimeout) while its recent events were read.");
                }
                continue;
            }
            lastAnswer = Environment.TickCount64;
            var partition = result.Partition.Value;
            if (!ends.TryGetValue(partition, out var end))
            {
                continue;
            }
            if (result.IsPartitionEOF || result.Offset.Value >= end - 1)
            {
                ends.Remove(partition);
                consumer.Pause([result.TopicPartition]);
            }
            if (result.IsPartitionEOF || result.Offset.Value >= end || result.Message.Key != camera)
            {
                continue;
            }
            if (TryParse(result, out var positioned, out _) && positioned.Event.Type == type && positioned.Camera == camera)
            {
                found.Add(positioned);
            }
        }
        return [.. found.OrderByDescending(e => e.Time).ThenByDescending(e => e.Offset).Take(settings.EventsShown)];
    }

    private ConsumeResult<string, byte[]>? Consume(IConsumer<string, byte[]> consumer, string topic)
    {
        try
        {
            return consumer.Consume(ConsumeSlice);
        }
        catch (ConsumeException exception)
        {
            throw ClipException.KafkaUnavailable(
                $"Reading {topic} from Kafka ({factory.BootstrapServers}) failed: {exception.Error.Code} {exception.Error.Reason}.", exception);
        }
    }

    private static PositionedEvent Parse(ConsumeResult<string, byte[]> result) =>
        TryParse(result, out var positioned, out var problem)
            ? positioned
            : throw new ClipException(StatusCodes.Status422UnprocessableEntity, Telemetry.ClipsTelemetry.OutcomeBadRequest, "Not an event",
                $"The record at {result.Topic} partition {result.Partition.Value} offset {result.Offset.Value} is not a frame event "
                + $"(JSON with type, camera and captureTimestamp): {problem}");

    private static bool TryParse(ConsumeResult<string, byte[]> result, out PositionedEvent positioned, out string? problem)
    {
        positioned = null!;
        FrameEvent? record;
        try
        {
            record = JsonSerializer.Deserialize(result.Message.Value ?? [], ClipsJsonContext.Default.FrameEvent);
        }
        catch (JsonException exception)
        {
            problem = exception.Message;
            return false;
        }
        var camera = record?.Camera is { Length: > 0 } named ? named : result.Message.Key;
        if (record is null || string.IsNullOrEmpty(camera))
        {
            problem = "it names no camera, in its JSON or its key";
            return false;
        }
        problem = null;
        positioned = new PositionedEvent(result.Partition.Value, result.Offset.Value, camera,
            record.CaptureTimestamp ?? DateTimeOffset.FromUnixTimeMilliseconds(result.Message.Timestamp.UnixTimestampMs), record);
        return true;
    }
}
