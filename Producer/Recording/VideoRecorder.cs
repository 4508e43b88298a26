using System.Globalization;
using AspirePipeline.Recording;
using Confluent.Kafka;

namespace AspirePipeline.Producer.Recording;

/// <summary>
/// Publishes one camera's own compressed video to <see cref="ProducerOptions.VideoTopic"/>, an access unit per message
/// as <see cref="RecordingOutput"/> cuts it from ffmpeg's copy of the stream: keyed by camera id, stamped with the
/// time it arrived, with the <see cref="VideoHeaders"/>. Called on the recording's reading thread; every outcome is
/// counted, and what Kafka refused is logged at most once per interval per reason.
/// </summary>
internal sealed partial class VideoRecorder(
    CameraOptions camera,
    ProducerOptions options,
    IProducer<string, byte[]> producer,
    RecordingStatus status,
    ProducerMetrics metrics,
    TimeProvider time,
    ILogger<VideoRecorder> logger)
{
    private static readonly TimeSpan ErrorLogInterval = TimeSpan.FromSeconds(10);
    private static readonly byte[] KeyframeValue = "1"u8.ToArray();
    private static readonly byte[] OtherFrameValue = "0"u8.ToArray();
    private static readonly byte[] ContainerValue = System.Text.Encoding.ASCII.GetBytes(TransportStream.ContainerName);

    private readonly byte[] _cameraId = System.Text.Encoding.UTF8.GetBytes(camera.Id);
    private readonly ErrorLogThrottle _throttle = new(time, ErrorLogInterval);
    private long _nextSequence;

    public string CameraId => camera.Id;

    public RecordingStatus Status => status;

    /// <summary>Hands one access unit to Kafka; <paramref name="receivedAtMicros"/> is its arrival in Unix microseconds.</summary>
    public void Record(RecordedAccessUnit unit, long receivedAtMicros)
    {
        var sequence = _nextSequence++;
        var headers = new Headers
        {
            { VideoHeaders.CameraId, _cameraId },
            { VideoHeaders.Sequence, Ascii(sequence) },
            { VideoHeaders.Codec, System.Text.Encoding.ASCII.GetBytes(unit.Codec) },
            { VideoHeaders.Keyframe, unit.Keyframe ? KeyframeValue : OtherFrameValue },
            { VideoHeaders.Pts, unit.Pts is { } pts ? Ascii(pts) : [] },
            { VideoHeaders.CaptureTimestamp, Ascii(receivedAtMicros) },
            { VideoHeaders.Container, ContainerValue },
        };
        var message = new Message<string, byte[]>
        {
            Key = camera.Id,
            Value = unit.Packets,
            Headers = headers,
            Timestamp = new Timestamp(DateTimeOffset.UnixEpoch.AddTicks(receivedAtMicros * TimeSpan.TicksPerMicrosecond)),
        };
        try
        {
            producer.Produce(options.VideoTopic, message, report => OnDelivered(report, unit));
            status.OnHanded();
        }
        catch (ProduceException<string, byte[]> exception)
        {
            Failed(unit, exception.Error);
        }
        catch (KafkaException exception)
        {
            Failed(unit, exception.Error);
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report, RecordedAccessUnit unit)
    {
        if (report.Error.IsError)
        {
            Failed(unit, report.Error);
            return;
        }
        status.OnPublished(unit.Packets.Length, unit.Keyframe);
        metrics.Recorded(camera.Id, unit.Packets.Length);
    }

    private void Failed(RecordedAccessUnit unit, Error error)
    {
        var reason = error.Code switch
        {
            ErrorCode.MsgSizeTooLarge => DropReasons.MessageTooLarge,
            ErrorCode.Local_QueueFull => DropReasons.KafkaQueueFull,
            ErrorCode.KafkaStorageError => DropReasons.StorageError,
            _ => DropReasons.DeliveryFailed,
        };
        status.OnDropped(reason);
        metrics.RecordingDropped(camera.Id, reason);
        if (_throttle.ShouldLog(reason, out var suppressed))
        {
            LogNotRecorded(logger, camera.Id, unit.Packets.Length, unit.Keyframe, reason, error.Code.ToString(), error.Reason, suppressed);
        }
    }

    private static byte[] Ascii(long value) => System.Text.Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    [LoggerMessage(EventId = 40, Level = LogLevel.Error,
        Message = "Camera {CameraId}: a {Size}-byte access unit (keyframe: {Keyframe}) was not recorded, {Reason}: Kafka error "
            + "{Code}: {Description} ({Suppressed} similar failures not logged since the last report)")]
    private static partial void LogNotRecorded(ILogger logger, string cameraId, int size, bool keyframe, string reason, string code,
        string description, long suppressed);
}
