using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.FrameProcessing.Tracking;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using ErrorCode = Confluent.Kafka.ErrorCode;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// Processes one consumed message: decode, analyse, report (log, metrics, results topic, live view) or dead-letter;
/// its offset is stored once what it wrote is acknowledged (<see cref="DeliveredOffsets"/>). Runs on the single
/// processing loop, so messages of a partition are handled in order.
/// </summary>
internal sealed partial class FrameProcessor(
    DeliveredOffsets offsets,
    IProducer<byte[], byte[]> producer,
    IFrameAnalyzer analyzer,
    ProcessingStatistics statistics,
    FrameProcessingTelemetry telemetry,
    LiveFrameHub liveFrames,
    OverlayRenderer overlay,
    ConsumerIdentity identity,
    IOptions<FrameProcessingOptions> options,
    IOptions<HeaderlessFrameOptions> headerlessOptions,
    ReplayStart replay,
    RecentEvents recentEvents,
    SceneTracking sceneTracking,
    TimeProvider timeProvider,
    ILogger<FrameProcessor> logger)
{
    private const int MaxErrorHeaderLength = 512;

    private readonly FrameProcessingOptions _options = options.Value;
    private readonly HeaderlessFrameOptions _headerless = headerlessOptions.Value;
    private readonly SequenceTracker _sequences = new();
    private readonly FrameRateSampler _sampler = new(options.Value.Fps);
    // The offset each partition's next message has if none was passed by unseen (skip-to-newest, another member).
    private readonly Dictionary<int, long> _nextOffsets = [];
    private readonly HashSet<string>? _cameras = options.Value.Cameras is { Count: > 0 } cameras ? [.. cameras] : null;
    // The frame being processed (one at a time, on the processing loop).
    private DeliveredOffsets.Frame _frame = null!;

    public async ValueTask ProcessAsync(ConsumeResult<byte[], byte[]> result, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var message = result.Message;
        _frame = offsets.Begin(result.TopicPartition, result.Offset.Value);
        FollowOffsets(result);
        if (_cameras is not null && !_cameras.Contains(CameraOf(result)))
        {
            // Stored in order with the frames around it, so a commit never passes a frame still being analysed.
            statistics.RecordOtherCamera();
            offsets.Done(_frame);
            return;
        }

        if (_sampler.Enabled && SampledOut(result))
        {
            return;
        }

        // A span only for frames the producer sampled (its context is in the headers): one root span per frame at
        // 30 fps would flood the dashboard.
        var parent = KafkaTraceContext.Extract(message.Headers);
        using var activity = parent == default
            ? null
            : FrameProcessingTelemetry.ActivitySource.StartActivity($"{result.Topic} {MessagingTags.Operations.Process}",
                ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingTags.System, MessagingTags.SystemKafka);
            activity.SetTag(MessagingTags.OperationType, MessagingTags.Operations.Process);
            activity.SetTag(MessagingTags.DestinationName, result.Topic);
            activity.SetTag(MessagingTags.ConsumerGroupName, identity.GroupId);
            activity.SetTag(MessagingTags.KafkaPartition, result.Partition.Value);
            activity.SetTag(MessagingTags.KafkaOffset, result.Offset.Value);
            activity.SetTag(MessagingTags.MessageBodySize, message.Value?.Length ?? 0);
        }

        // A frame someone will watch is decoded in full; otherwise only as far as the analysis looks at it.
        var wantsLiveFrame = liveFrames.WantsFrame();
        var target = wantsLiveFrame || _options.AlwaysDecodeFullFrames ? DecodeTarget.Full : analyzer.DecodeTarget;
        var section = telemetry.Decode.Begin();
        DecodedFrame frame;
        try
        {
            frame = FrameDecoder.Decode(message.Value, message.Headers.AsLookup(), target);
        }
        catch (FrameFormatException exception)
        {
            await DeadLetterAsync(result, exception.Reason, exception.Message, activity, cancellationToken);
            return;
        }

        using (frame)
        {
            var metadata = frame.Metadata;
            var cameraId = metadata.CameraId ?? CameraFromKey(message.Key) ?? _headerless.CameraIdFor(result.Topic);
            activity?.SetTag(FrameProcessingTelemetry.CameraTag, cameraId);
            activity?.SetTag("frame.sequence", metadata.Sequence);

            section = section.Then(telemetry.Analysis);
            FrameAnalysis analysis;
            try
            {
                analysis = analyzer.Analyze(cameraId, frame.Image);
            }
            catch (Exception exception) when (exception is OpenCVException or OpenCvSharpException or ArgumentException)
            {
                await DeadLetterAsync(result, DeadLetterHeaders.AnalysisFailedReason,
                    $"{analyzer.Name} failed on a {metadata.Width}x{metadata.Height} frame: {exception.Message}",
                    activity, cancellationToken);
                return;
            }

            analysis = InFrameCoordinates(analysis, frame.Image, metadata);
            var processedAt = timeProvider.GetUtcNow();
            // Headerless seed-JSON messages carry no capture time; the message timestamp (set by the original Go
            // producer at send time) is the closest stand-in, so latency and the live view work for them too.
            var capturedAt = metadata.CaptureTime
                ?? (message.Timestamp.Type == TimestampType.NotAvailable ? null : message.Timestamp.UtcDateTime);
            if (analyzer.TrackedKind is { } kind)
            {
                // Tracks, zones and lines run on capture time, so dwell and crossings do not depend on how late a frame is.
                analysis = sceneTracking.Apply(cameraId, kind, analysis, FrameWidth(metadata, frame.Image),
                    FrameHeight(metadata, frame.Image), capturedAt ?? processedAt);
                telemetry.RecordScene(cameraId, analysis);
            }

            section = section.Then(telemetry.Report);
            var processingMs = timeProvider.GetElapsedTime(started).TotalMilliseconds;
            double? latencyMs = capturedAt is { } captured ? (processedAt - captured).TotalMilliseconds : null;

            if (metadata.Sequence is { } sequence)
            {
                TrackSequence(cameraId, sequence, result);
            }
            statistics.RecordProcessed(cameraId, metadata.Sequence, analysis.Value, latencyMs);
            telemetry.RecordProcessed(processingMs, latencyMs);
            activity?.SetTag("analysis.name", analyzer.Name);
            activity?.SetTag("analysis.value", analysis.Value);
            LogFrameProcessed(cameraId, metadata.Sequence, result.Partition.Value, result.Offset.Value, analyzer.Name,
                analysis.Value, processingMs, latencyMs);

            PublishResult(result, cameraId, metadata, analysis, capturedAt, processedAt, latencyMs, activity);
            PublishEvents(result, cameraId, metadata, analysis, capturedAt, processedAt, activity);

            if (wantsLiveFrame)
            {
                PublishLiveFrame(frame.Image, cameraId, metadata.Sequence, analysis);
            }
        }

        offsets.Done(_frame);
        section.End();
    }

    /// <summary>
    /// A partition whose offsets jumped forward had frames this process never received (skip-to-newest passed them
    /// over, or another member of the group processed them): the sequence gaps that leaves are not missing frames.
    /// </summary>
    private void FollowOffsets(ConsumeResult<byte[], byte[]> result)
    {
        var partition = result.Partition.Value;
        var offset = result.Offset.Value;
        if (_nextOffsets.TryGetValue(partition, out var expected) && offset > expected)
        {
            _sequences.ForgetPartition(partition);
        }
        _nextOffsets[partition] = offset + 1;
    }

    /// <summary>
    /// <see cref="FrameProcessingOptions.Fps"/>: true when the frame is left out by the group's rate. It is passed over
    /// undecoded, its sequence followed (a gap before it is still counted as missing) and its offset stored in order.
    /// </summary>
    private bool SampledOut(ConsumeResult<byte[], byte[]> result)
    {
        FrameMetadata? metadata;
        try
        {
            metadata = FrameMetadata.ReadHeaders(result.Message.Headers.AsLookup());
        }
        catch (FrameFormatException)
        {
            // Bad headers: analysed as usual, which dead-letters the message with its reason.
            return false;
        }

        var cameraId = CameraOf(result);
        var timestamp = result.Message.Timestamp;
        var capturedAt = metadata?.CaptureTime
            ?? (timestamp.Type == TimestampType.NotAvailable ? null : new DateTimeOffset(timestamp.UtcDateTime));
        if (capturedAt is not { } at || _sampler.Take(cameraId, at))
        {
            return false;
        }

        if (metadata?.Sequence is { } sequence)
        {
            TrackSequence(cameraId, sequence, result);
        }
        statistics.RecordSampledOut();
        telemetry.RecordSampledOut();
        offsets.Done(_frame);
        return true;
    }

    private void TrackSequence(string cameraId, long sequence, ConsumeResult<byte[], byte[]> result)
    {
        var step = _sequences.Observe(cameraId, sequence, result.Partition.Value);
        switch (step.Kind)
        {
            case SequenceStepKind.Gap:
                statistics.RecordMissing(step.Frames);
                telemetry.RecordSequenceGap(step.Frames);
                LogSequenceGap(cameraId, sequence - step.Frames - 1, sequence, step.Frames, result.Partition.Value, result.Offset.Value);
                break;
            case SequenceStepKind.Repeat:
                statistics.RecordRepeated();
                telemetry.RecordRepeated();
                LogSequenceRepeat(cameraId, sequence, result.Partition.Value, result.Offset.Value);
                break;
        }
    }

    /// <summary>
    /// Detections come in the coordinates of the (possibly reduced) image the analyzer saw; results, events and the
    /// live view use the frame's own size.
    /// </summary>
    private static FrameAnalysis InFrameCoordinates(FrameAnalysis analysis, Mat image, FrameMetadata metadata)
    {
        if (analysis.Detections is null || metadata.Width <= 0 || image.Width == metadata.Width)
        {
            return analysis;
        }
        var factor = (double)metadata.Width / image.Width;
        return analysis with
        {
            Detections = [.. analysis.Detections.Select(detection => detection.ScaledInto(factor, metadata.Width, metadata.Height))],
            ScannedRegions = analysis.ScannedRegions?.Select(region => region.ScaledInto(factor, metadata.Width, metadata.Height)).ToArray(),
        };
    }

    private static int FrameWidth(FrameMetadata metadata, Mat image) => metadata.Width > 0 ? metadata.Width : image.Width;

    private static int FrameHeight(FrameMetadata metadata, Mat image) => metadata.Height > 0 ? metadata.Height : image.Height;

    private void PublishLiveFrame(Mat image, string cameraId, long? sequence, FrameAnalysis analysis)
    {
        try
        {
            liveFrames.Publish(overlay.Render(image, analyzer.Name, cameraId, sequence, analysis,
                statistics.Latest.FramesPerSecond));
        }
        catch (Exception exception) when (exception is OpenCVException or OpenCvSharpException)
        {
            // The live view is a convenience: a frame it cannot draw must not stop the analysis.
            LogLiveFrameFailed(exception, cameraId, sequence);
        }
    }

    private void PublishResult(ConsumeResult<byte[], byte[]> result, string cameraId, FrameMetadata metadata,
        FrameAnalysis analysis, DateTimeOffset? capturedAt, DateTimeOffset processedAt, double? latencyMs, Activity? activity)
    {
        if (string.IsNullOrEmpty(_options.ResultsTopic))
        {
            return;
        }

        var values = new Dictionary<string, double>(analysis.Values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in analysis.Values)
        {
            values[name] = value;
        }
        var record = new AnalysisRecord(identity.GroupId, analyzer.Name, identity.InstanceId, cameraId, metadata.Sequence,
            result.Partition.Value, result.Offset.Value, capturedAt, processedAt, analysis.Value, values, latencyMs,
            metadata.Width, metadata.Height, replay.IsReplay(result.Message.Timestamp.UtcDateTime))
        {
            Detections = analysis.Detections,
            Tracks = analysis.Scene?.Tracks,
            Zones = analysis.Scene?.Zones,
            Lines = analysis.Scene?.Lines,
        };
        var headers = new Headers();
        KafkaTraceContext.Inject(headers, activity);
        var resultMessage = new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(cameraId),
            Value = JsonSerializer.SerializeToUtf8Bytes(record, FrameProcessingJsonContext.Default.AnalysisRecord),
            Headers = headers,
        };
        // Not awaited: a result per frame must not wait out the producer's linger; the frame is done once it is acknowledged.
        Write(_options.ResultsTopic, resultMessage, _frame, onWritten: null);
    }

    /// <summary>
    /// Hands <paramref name="message"/> to the producer as one more thing <paramref name="frame"/> waits for. A message
    /// that timed out (Kafka unreachable for <c>message.timeout.ms</c>) is sent again while the frame's partition is
    /// still this member's, so its offset is never stored without it; any other failure is final, logged, and lets
    /// the frame be done.
    /// </summary>
    private void Write(string topic, Message<byte[], byte[]> message, DeliveredOffsets.Frame frame,
        Action<DeliveryReport<byte[], byte[]>>? onWritten)
    {
        offsets.Expect(frame);
        try
        {
            producer.Produce(topic, message, report =>
            {
                if (!report.Error.IsError)
                {
                    onWritten?.Invoke(report);
                    offsets.Done(frame);
                    return;
                }
                LogResultNotDelivered(logger, report.Topic, report.Error.Code, report.Error.Reason);
                if (report.Error.Code == ErrorCode.Local_MsgTimedOut && offsets.IsPending(frame))
                {
                    Write(topic, report.Message, frame, onWritten);
                }
                offsets.Done(frame);
            });
        }
        catch (KafkaException exception)
        {
            LogResultNotDelivered(logger, topic, exception.Error.Code, exception.Error.Reason);
            offsets.Done(frame);
        }
    }

    private void PublishEvents(ConsumeResult<byte[], byte[]> result, string cameraId, FrameMetadata metadata,
        FrameAnalysis analysis, DateTimeOffset? capturedAt, DateTimeOffset processedAt, Activity? activity)
    {
        foreach (var frameEvent in analysis.Events)
        {
            var type = frameEvent.Type;
            var detections = analysis.Detections ?? [];
            LogFrameEvent(cameraId, type, frameEvent.TrackId, frameEvent.Zone ?? frameEvent.Line, frameEvent.Direction,
                metadata.Sequence, detections.Count);
            telemetry.RecordEvent(cameraId, frameEvent);
            if (string.IsNullOrEmpty(_options.EventsTopic))
            {
                continue;
            }
            var record = new FrameEventRecord(type, cameraId, identity.GroupId, analyzer.Name, identity.InstanceId,
                metadata.Sequence, result.Partition.Value, result.Offset.Value, capturedAt, processedAt, detections)
            {
                TrackId = frameEvent.TrackId,
                Zone = frameEvent.Zone,
                Line = frameEvent.Line,
                Direction = frameEvent.Direction,
                DwellSeconds = frameEvent.DwellSeconds,
            };
            var headers = new Headers();
            KafkaTraceContext.Inject(headers, activity);
            // Not awaited, like results.
            Write(_options.EventsTopic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(cameraId),
                Value = JsonSerializer.SerializeToUtf8Bytes(record, FrameProcessingJsonContext.Default.FrameEventRecord),
                Headers = headers,
            }, _frame, report =>
                // Where the event now is: the live view links its clip by this position.
                recentEvents.Add(new PublishedEvent(type, cameraId, capturedAt, report.Partition.Value, report.Offset.Value)));
        }
    }

    private async ValueTask DeadLetterAsync(ConsumeResult<byte[], byte[]> result, string reason, string error,
        Activity? activity, CancellationToken cancellationToken)
    {
        statistics.RecordPoison();
        telemetry.RecordPoison(reason);
        LogPoisonMessage(result.Topic, result.Partition.Value, result.Offset.Value, reason, error, _options.DeadLetterTopic);
        activity?.SetStatus(ActivityStatusCode.Error, error);
        activity?.SetTag(MessagingTags.ErrorType, reason);

        var original = result.Message;
        var headers = new Headers();
        if (original.Headers is not null)
        {
            foreach (var header in original.Headers)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }
        headers.Add(DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason));
        headers.Add(DeadLetterHeaders.Error,
            Encoding.UTF8.GetBytes(error.Length > MaxErrorHeaderLength ? error[..MaxErrorHeaderLength] : error));
        headers.Add(DeadLetterHeaders.Source, Encoding.UTF8.GetBytes($"{result.Topic}/{result.Partition.Value}/{result.Offset.Value}"));
        headers.Add(DeadLetterHeaders.Group, Encoding.UTF8.GetBytes(identity.GroupId));

        try
        {
            // Awaited: the offset moves past a poison message only once the dead-letter topic holds it.
            await producer.ProduceAsync(_options.DeadLetterTopic, new Message<byte[], byte[]>
            {
                Key = original.Key,
                Value = original.Value,
                Headers = headers,
            }, cancellationToken);
        }
        catch (ProduceException<byte[], byte[]> exception)
        {
            // librdkafka has retried until message.timeout.ms; holding the partition forever would stop every frame behind.
            LogDeadLetterFailed(exception, result.Topic, result.Partition.Value, result.Offset.Value, _options.DeadLetterTopic);
        }
        offsets.Done(_frame);
    }

    /// <summary>The camera a message belongs to, from its header alone (no decoding), else its key, else the topic's.</summary>
    private string CameraOf(ConsumeResult<byte[], byte[]> result) =>
        result.Message.Headers is { } headers && headers.TryGetLastBytes(FrameHeaders.CameraId, out var header) && header.Length > 0
            ? Encoding.UTF8.GetString(header)
            : CameraFromKey(result.Message.Key) ?? _headerless.CameraIdFor(result.Topic);

    private static string? CameraFromKey(byte[]? key) =>
        key is { Length: > 0 } ? Encoding.UTF8.GetString(key) : null;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug,
        Message = "Frame {CameraId}#{Sequence} partition {Partition} offset {Offset}: " +
            "{Analyzer} {Value:F3} in {ProcessingMs:F1} ms, latency {LatencyMs:F0} ms")]
    private partial void LogFrameProcessed(string cameraId, long? sequence, int partition, long offset, string analyzer,
        double value, double processingMs, double? latencyMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "Poison message at {Topic}/{Partition}/{Offset} ({Reason}): {Error}; written to {DeadLetterTopic} and skipped")]
    private partial void LogPoisonMessage(string topic, int partition, long offset, string reason, string error,
        string deadLetterTopic);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error,
        Message = "Could not write poison message {Topic}/{Partition}/{Offset} to {DeadLetterTopic}; it is skipped without a dead-letter copy")]
    private partial void LogDeadLetterFailed(Exception exception, string topic, int partition, long offset, string deadLetterTopic);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Result record for {Topic} not delivered: {ErrorCode} {Reason}")]
    private static partial void LogResultNotDelivered(ILogger logger, string topic, ErrorCode errorCode, string reason);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Debug,
        Message = "Camera {CameraId} jumped from frame {Previous} to {Sequence}: {Missing} frames not seen here " +
            "(skipped, dropped upstream, or handled by another member) at partition {Partition} offset {Offset}")]
    private partial void LogSequenceGap(string cameraId, long previous, long sequence, long missing, int partition, long offset);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Debug,
        Message = "Camera {CameraId} frame {Sequence} seen again (redelivered, or the producer restarted its count) " +
            "at partition {Partition} offset {Offset}")]
    private partial void LogSequenceRepeat(string cameraId, long sequence, int partition, long offset);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information,
        Message = "Camera {CameraId}: {EventType} track {TrackId} {Place} {Direction} at frame {Sequence} ({Detections} detections)")]
    private partial void LogFrameEvent(string cameraId, string eventType, long? trackId, string? place, string? direction,
        long? sequence, int detections);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Could not draw live view frame {CameraId}#{Sequence}")]
    private partial void LogLiveFrameFailed(Exception exception, string cameraId, long? sequence);
}
