using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Kafka;

/// <summary>
/// Reads one camera's messages for a clip. Every partition of the video topic is read (a camera's partition depends on
/// the producing client's partitioner), each from the first message stamped at or after
/// <c>from - Clips:KeyframeLookback</c> (ListOffsets by timestamp), keeping the camera's messages up to <c>to</c>. A
/// partition is finished when the camera's recording passes <c>to</c>, or another camera's does by more than a clock
/// skew, or it is read to its end once <c>to</c> is settled. Until then the reader waits for the recording, at most
/// <c>Clips:RecordingWait</c> after the request; what arrived by then is served. Blocking: run it on its own thread.
/// </summary>
internal sealed partial class VideoReader(ReaderConsumerFactory factory, IOptions<ClipsOptions> options, TimeProvider time,
    ILogger<VideoReader> logger)
{
    // Cameras' clocks and the producer's batching differ a little: a message of another camera this far past `to` means
    // the partition's recording has passed `to`.
    private static readonly TimeSpan OtherCamerasSkew = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConsumeSlice = TimeSpan.FromMilliseconds(100);

    public SpooledRecording Read(string camera, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var topic = settings.VideoTopic;
        var requested = time.GetUtcNow();
        // By RecordingWait after `to`, whatever was captured by `to` has arrived; and no request waits longer than that.
        var settled = to + settings.RecordingWait;
        var waitUntil = Min(requested + settings.RecordingWait, settled);
        var toMs = to.ToUnixTimeMilliseconds();
        var othersPassedMs = (to + OtherCamerasSkew).ToUnixTimeMilliseconds();

        var spool = SpooledRecording.Create(settings.EffectiveTempDirectory);
        try
        {
            using var consumer = factory.Create("clip");
            var partitions = KafkaLookup.Partitions(consumer, topic, settings.KafkaTimeout)
                ?? throw ClipException.NotFound($"{topic} does not exist: no camera has been recorded. "
                    + "The producer records a camera with Cameras:{id}:Record=true.");
            var starts = KafkaLookup.Run(() => consumer.OffsetsForTimes(
                partitions.Select(partition => new TopicPartitionTimestamp(partition, new Timestamp((from - settings.KeyframeLookback).UtcDateTime))),
                settings.KafkaTimeout), "send the offsets by time of", topic, settings.KafkaTimeout);
            // No message at or after that time: start at the end, where the recording still to come will be.
            consumer.Assign(starts.Select(start => start.Offset.Value < 0 ? new TopicPartitionOffset(start.TopicPartition, Offset.End) : start));
            LogReading(camera, Instants.Format(from), Instants.Format(to), topic,
                string.Join(", ", starts.Select(start => $"{start.Partition.Value}@{(start.Offset.Value < 0 ? "end" : start.Offset.Value)}")));

            var states = partitions.ToDictionary(partition => partition.Partition.Value, _ => new PartitionState());
            var lastAnswer = Environment.TickCount64;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = time.GetUtcNow();
                foreach (var (partition, state) in states)
                {
                    if (!state.Done && state.AtEnd && (spool.PassedTo || now >= settled))
                    {
                        Finish(consumer, topic, partition, state);
                    }
                }
                if (states.Values.All(state => state.Done))
                {
                    break;
                }
                if (now >= waitUntil && states.Values.All(state => state.Done || state.AtEnd))
                {
                    LogWaitEnded(camera, Instants.Format(to), settings.RecordingWait.TotalSeconds);
                    break;
                }

                var result = Consume(consumer, topic);
                if (result is null)
                {
                    var silentMs = Environment.TickCount64 - lastAnswer;
                    if (silentMs > settings.KafkaTimeout.TotalMilliseconds && states.Values.Any(state => !state.Done && !state.AtEnd))
                    {
                        throw ClipException.KafkaUnavailable(
                            $"Kafka ({factory.BootstrapServers}) sent nothing for {silentMs / 1000.0:0.#} s while {topic} was read "
                            + $"(Clips:KafkaTimeout is {Instants.Describe(settings.KafkaTimeout)}); check that the broker runs and try again.");
                    }
                    continue;
                }
                lastAnswer = Environment.TickCount64;
                var read = states[result.Partition.Value];
                if (result.IsPartitionEOF)
                {
                    read.AtEnd = true;
                    continue;
                }
                read.AtEnd = false;
                if (read.Done)
                {
                    continue;
                }
                var message = result.Message;
                var timestampMs = message.Timestamp.UnixTimestampMs;
                if (message.Key == camera)
                {
                    if (timestampMs > toMs)
                    {
                        spool.PassedTo = true;
                        Finish(consumer, topic, result.Partition.Value, read);
                        continue;
                    }
                    spool.Append(result.Partition.Value, result.Offset.Value, timestampMs,
                        VideoMessageHeaders.CaptureTime(message.Headers, message.Timestamp), VideoMessageHeaders.IsKeyframe(message.Headers),
                        message.Value ?? []);
                }
                else
                {
                    spool.OtherMessages++;
                    if (timestampMs > othersPassedMs)
                    {
                        Finish(consumer, topic, result.Partition.Value, read);
                    }
                }
            }
            return spool;
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    private ConsumeResult<string, byte[]>? Consume(IConsumer<string, byte[]> consumer, string topic)
    {
        try
        {
            return consumer.Consume(ConsumeSlice);
        }
        catch (ConsumeException exception)
        {
            LogConsumeFailed(topic, exception.Error.Code, exception.Error.Reason);
            throw ClipException.KafkaUnavailable(
                $"Reading {topic} from Kafka ({factory.BootstrapServers}) failed: {exception.Error.Code} {exception.Error.Reason}.", exception);
        }
    }

    private static void Finish(IConsumer<string, byte[]> consumer, string topic, int partition, PartitionState state)
    {
        state.Done = true;
        consumer.Pause([new TopicPartition(topic, partition)]);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class PartitionState
    {
        /// <summary>The last thing the partition said was that it has nothing more (its end, for now).</summary>
        public bool AtEnd { get; set; }

        /// <summary>Nothing more of it is needed: paused.</summary>
        public bool Done { get; set; }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Reading camera {Camera} {From} to {To} from {Topic}, partition@offset {Starts}")]
    private partial void LogReading(string camera, string from, string to, string topic, string starts);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "The recording of camera {Camera} did not pass {To} within {WaitSeconds} s (Clips:RecordingWait): serving what is there")]
    private partial void LogWaitEnded(string camera, string to, double waitSeconds);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Reading {Topic} failed: {ErrorCode} {Reason}")]
    private partial void LogConsumeFailed(string topic, ErrorCode errorCode, string reason);
}
