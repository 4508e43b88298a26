using System.Diagnostics;
using System.Threading.Channels;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Producer.Sources;
using Confluent.Kafka;

namespace AspirePipeline.Producer;

/// <summary>
/// Encodes one camera's queued frames (or checks the JPEGs that arrive ready: a Motion JPEG camera's own, or ffmpeg's
/// encode) and hands them to Kafka asynchronously, keyed by camera id, with the frame
/// contract's headers and (for sampled frames) W3C trace context. Every outcome is counted; failures are logged.
/// </summary>
internal sealed partial class FramePublisher(
    CameraOptions camera,
    ProducerOptions options,
    ChannelReader<CapturedFrame> input,
    IProducer<string, byte[]> producer,
    CameraStatus status,
    ProducerMetrics metrics,
    KafkaClientMetrics kafkaMetrics,
    TimeProvider time,
    ILogger<FramePublisher> logger) : IDisposable
{
    private static readonly TimeSpan ErrorLogInterval = TimeSpan.FromSeconds(10);

    private readonly FrameEncoder _encoder = new(options.Encoding, options.JpegQuality);
    private readonly string _encodingName = options.Encoding.ToWireName();
    private readonly ErrorLogThrottle _throttle = new(time, ErrorLogInterval);
    private long _nextSequence;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in input.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                using (frame)
                {
                    Publish(frame);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: frames still queued were never handed to Kafka; release their buffers.
            while (input.TryRead(out var left))
            {
                left.Dispose();
            }
        }
    }

    private void Publish(CapturedFrame frame)
    {
        var sequence = _nextSequence;
        var passthrough = frame.PassedThrough;
        var section = frame.Jpeg is not null ? metrics.JpegCheck.Begin() : metrics.Encode.Begin();
        EncodedFrame encoded;
        if (frame.Jpeg is { } jpeg)
        {
            // The camera's (or ffmpeg's) JPEG is the payload as it is; only its header is read, for the frame's size.
            if (!JpegHeader.TryRead(jpeg, out var info, out var problem))
            {
                Drop(DropReasons.CorruptJpeg, $"a {jpeg.Length}-byte JPEG from {(passthrough ? "the camera" : "ffmpeg")} was skipped: {problem}");
                if (_throttle.ShouldLog(DropReasons.CorruptJpeg, out var suppressed))
                {
                    LogCorruptJpeg(logger, camera.Id, jpeg.Length, problem, suppressed);
                }
                return;
            }
            encoded = new EncodedFrame(jpeg, new FrameMetadata(camera.Id, sequence, frame.CaptureTimestampMicros,
                info.Width, info.Height, info.Components, FrameEncoding.Jpeg));
        }
        else
        {
            try
            {
                encoded = _encoder.Encode(frame.Image, camera.Id, sequence, frame.CaptureTimestampMicros);
            }
            catch (Exception exception) when (exception is FrameFormatException or OpenCvSharp.OpenCVException)
            {
                Drop(DropReasons.EncodeFailed, exception.Message);
                if (_throttle.ShouldLog(DropReasons.EncodeFailed, out var suppressed))
                {
                    LogEncodeFailed(logger, camera.Id, suppressed, exception);
                }
                return;
            }
        }
        metrics.Encoded(_encodingName, encoded.Payload.Length);

        var headers = new Headers();
        encoded.Metadata.WriteHeaders(headers.Add);
        var parent = Activity.Current;
        var activity = sequence % options.TraceEveryNthFrame == 0 ? StartActivity(sequence, encoded.Payload.Length) : null;
        KafkaTraceContext.Inject(headers, activity);
        // The span ends on Kafka's delivery thread; this flow must not keep it as its current activity.
        Activity.Current = parent;

        var message = new Message<string, byte[]>
        {
            Key = camera.Id,
            Value = encoded.Payload,
            Headers = headers,
            Timestamp = new Timestamp(DateTimeOffset.UnixEpoch.AddTicks(frame.CaptureTimestampMicros * TimeSpan.TicksPerMicrosecond)),
        };
        var pending = new PendingFrame(sequence, encoded.Payload.Length, frame.CaptureTicks, Stopwatch.GetTimestamp(), activity);
        section = section.Then(metrics.Publish);
        try
        {
            producer.Produce(options.Topic, message, report => OnDelivered(report, pending));
            section.End();
            _nextSequence++;
            if (passthrough)
            {
                status.OnPassedThrough();
                metrics.PassedThrough(camera.Id);
            }
        }
        catch (ProduceException<string, byte[]> exception)
        {
            Failed(pending, exception.Error);
        }
        catch (KafkaException exception)
        {
            Failed(pending, exception.Error);
        }
    }

    private Activity? StartActivity(long sequence, int size)
    {
        var activity = ProducerActivities.Source.StartActivity($"{options.Topic} publish", ActivityKind.Producer, parentContext: default);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingTags.System, MessagingTags.SystemKafka);
            activity.SetTag(MessagingTags.DestinationName, options.Topic);
            activity.SetTag(MessagingTags.OperationType, MessagingTags.Operations.Publish);
            activity.SetTag(MessagingTags.OperationName, MessagingTags.Operations.Publish);
            activity.SetTag(MessagingTags.KafkaMessageKey, camera.Id);
            activity.SetTag(MessagingTags.MessageBodySize, size);
            activity.SetTag(ProducerMetrics.CameraTag, camera.Id);
            activity.SetTag("frame.sequence", sequence);
            activity.SetTag(ProducerMetrics.EncodingTag, _encodingName);
        }
        return activity;
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report, PendingFrame pending)
    {
        if (report.Error.IsError)
        {
            Failed(pending, report.Error);
            return;
        }
        kafkaMetrics.RecordPublish(options.Topic, Stopwatch.GetElapsedTime(pending.ProduceTicks));
        metrics.Published(camera.Id, Stopwatch.GetElapsedTime(pending.CaptureTicks));
        status.OnPublished(pending.Sequence, time.GetUtcNow());
        if (pending.Activity is { } activity)
        {
            activity.SetTag(MessagingTags.KafkaPartition, report.Partition.Value);
            activity.SetTag(MessagingTags.KafkaOffset, report.Offset.Value);
            activity.Stop();
        }
    }

    private void Failed(PendingFrame pending, Error error)
    {
        kafkaMetrics.RecordPublish(options.Topic, Stopwatch.GetElapsedTime(pending.ProduceTicks), error.Code.ToString());
        var reason = error.Code switch
        {
            ErrorCode.MsgSizeTooLarge => DropReasons.MessageTooLarge,
            ErrorCode.Local_QueueFull => DropReasons.KafkaQueueFull,
            // The broker's disk is full (KAFKA_STORAGE_ERROR); librdkafka retries it, so this ends a long wait.
            ErrorCode.KafkaStorageError => DropReasons.StorageError,
            _ => DropReasons.DeliveryFailed,
        };
        var description = reason == DropReasons.MessageTooLarge
            ? $"frame of {pending.Size} bytes is larger than Kafka accepts ({error.Reason}); lower Producer:JpegQuality or use "
              + "Producer:Encoding=Jpeg, or raise Aspire:Confluent:Kafka:Producer:Config:MessageMaxBytes together with the "
              + "topic's max.message.bytes"
            : error.Code == ErrorCode.Local_MsgTimedOut
            // librdkafka retries a full broker disk (KAFKA_STORAGE_ERROR) until this timeout and reports only the timeout.
            ? $"Kafka error {error.Code}: {error.Reason}; not acknowledged within MessageTimeoutMs: the broker is unreachable "
              + "or refuses writes (a full disk): see the kafka resource's health and log"
            : $"Kafka error {error.Code}: {error.Reason}";
        Drop(reason, description);
        if (pending.Activity is { } activity)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Reason);
            activity.SetTag(MessagingTags.ErrorType, error.Code.ToString());
            activity.Stop();
        }
        if (_throttle.ShouldLog(reason, out var suppressed))
        {
            LogPublishFailed(logger, camera.Id, pending.Sequence, pending.Size, reason, description, suppressed);
        }
    }

    private void Drop(string reason, string description)
    {
        status.OnDropped(reason, description);
        metrics.Dropped(camera.Id, reason);
    }

    public void Dispose() => _encoder.Dispose();

    private sealed record PendingFrame(long Sequence, int Size, long CaptureTicks, long ProduceTicks, Activity? Activity);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error,
        Message = "Camera {CameraId}: frame {Sequence} ({Size} bytes) not published, {Reason}: {Description} " +
            "({Suppressed} similar failures not logged since the last report)")]
    private static partial void LogPublishFailed(ILogger logger, string cameraId, long sequence, int size, string reason,
        string description, long suppressed);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error,
        Message = "Camera {CameraId}: a frame could not be encoded ({Suppressed} similar failures not logged since the last report)")]
    private static partial void LogEncodeFailed(ILogger logger, string cameraId, long suppressed, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "Camera {CameraId}: a {Size}-byte JPEG from the camera was skipped, not published: {Problem} " +
            "(counted as dropped, reason corrupt-jpeg; {Suppressed} similar not logged since the last report)")]
    private static partial void LogCorruptJpeg(ILogger logger, string cameraId, int size, string problem, long suppressed);
}

/// <summary>Lets one log line per reason through per interval, counting what it held back, so 30 fps of failures stays readable.</summary>
internal sealed class ErrorLogThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Last, long Suppressed)> _reasons = new(StringComparer.Ordinal);

    public bool ShouldLog(string reason, out long suppressed)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_reasons.TryGetValue(reason, out var entry) && now - entry.Last < interval)
            {
                _reasons[reason] = (entry.Last, entry.Suppressed + 1);
                suppressed = 0;
                return false;
            }
            suppressed = entry.Suppressed;
            _reasons[reason] = (now, 0);
            return true;
        }
    }
}
