using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspirePipeline.Frames.Diagnostics;

namespace AspirePipeline.Producer;

/// <summary>The Producer's instruments (Meter <see cref="MeterName"/>).</summary>
internal sealed class ProducerMetrics
{
    public const string MeterName = "AspirePipeline.Producer";
    public const string CameraTag = "camera.id";
    public const string ReasonTag = "reason";
    public const string EncodingTag = "frame.encoding";
    public const string StageTag = "stage";
    public const string StageCpuTime = "producer.stage.cpu_time";

    /// <summary>Encoding a frame and building its Kafka message (headers, trace context).</summary>
    public const string EncodeStage = "encode";

    /// <summary>
    /// Checking a JPEG that arrived ready (a Motion JPEG camera's own, or ffmpeg's encode) and building its Kafka
    /// message: what replaces <see cref="EncodeStage"/> when the producer encodes nothing.
    /// </summary>
    public const string JpegCheckStage = "jpeg-check";

    /// <summary>The synchronous <c>Produce</c> call that hands the message to librdkafka's queue.</summary>
    public const string PublishStage = "publish";

    private readonly Counter<long> _captured;
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _missed;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _passedThrough;
    private readonly Histogram<long> _frameSize;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _recordedBytes;
    private readonly Counter<long> _recordingDropped;

    public ProducerMetrics(IMeterFactory meterFactory, CameraStatusBoard board)
    {
        Stages = new StageCpuAccounting(EncodeStage, JpegCheckStage, PublishStage);
        Encode = Stages[EncodeStage];
        JpegCheck = Stages[JpegCheckStage];
        Publish = Stages[PublishStage];
        var meter = meterFactory.Create(MeterName);
        _captured = meter.CreateCounter<long>("producer.frames.captured", "{frame}", "Frames read from cameras.");
        _published = meter.CreateCounter<long>("producer.frames.published", "{frame}", "Frames Kafka acknowledged.");
        _dropped = meter.CreateCounter<long>("producer.frames.dropped", "{frame}",
            "Frames not published, by reason " +
            "(queue-full, kafka-queue-full, message-too-large, delivery-failed, storage-error, encode-failed, corrupt-jpeg).");
        _missed = meter.CreateCounter<long>("producer.frames.missed", "{frame}",
            "Frames a camera's stream never delivered, by reason (stream-gap: its presentation times skipped them; " +
            "stream-lost: while the stream was lost, until it was reopened).");
        _reconnects = meter.CreateCounter<long>("producer.camera.reconnects", "{reconnect}", "Camera streams reopened after a loss.");
        _passedThrough = meter.CreateCounter<long>("producer.frames.passed_through", "{frame}",
            "Frames handed to Kafka as the camera's own JPEG, neither decoded nor encoded (Motion JPEG cameras).");
        _frameSize = meter.CreateHistogram<long>("producer.frame.size", "By", "Encoded frame payload size.");
        _latency = meter.CreateHistogram<double>("producer.capture_to_publish.duration", "ms",
            "Time from capture until Kafka acknowledged the frame.");
        _recordedBytes = meter.CreateCounter<long>("producer.video.recorded", "By",
            "Bytes of recorded cameras' own video Kafka acknowledged on frames.video.");
        _recordingDropped = meter.CreateCounter<long>("producer.video.dropped", "{access_unit}",
            "Access units of a recorded camera's video not recorded, by reason.");
        meter.CreateObservableGauge("producer.camera.connected", () => board.All.Select(status =>
            new Measurement<int>(status.Connected ? 1 : 0, new KeyValuePair<string, object?>(CameraTag, status.CameraId))),
            "{camera}", "1 while the camera stream delivers frames.");
        // Cumulative, so a dashboard charts its rate: CPU seconds per second spent in each stage.
        meter.CreateObservableCounter(StageCpuTime, () => Stages.Stages.Select(stage =>
            new Measurement<double>(stage.CpuSeconds, new KeyValuePair<string, object?>(StageTag, stage.Name))),
            "s", "CPU time of the frames' pass through each stage (encode, passthrough, publish) on this process's threads.");
    }

    /// <summary>CPU accounting of the in-process stages; capture runs in ffmpeg, a child process, and is not in it.</summary>
    public StageCpuAccounting Stages { get; }

    public CpuStage Encode { get; }

    public CpuStage JpegCheck { get; }

    public CpuStage Publish { get; }

    public void Captured(string cameraId) => _captured.Add(1, new KeyValuePair<string, object?>(CameraTag, cameraId));

    public void Published(string cameraId, TimeSpan captureToAck)
    {
        var camera = new KeyValuePair<string, object?>(CameraTag, cameraId);
        _published.Add(1, camera);
        _latency.Record(captureToAck.TotalMilliseconds, camera);
    }

    public void Dropped(string cameraId, string reason) =>
        _dropped.Add(1, new TagList { { CameraTag, cameraId }, { ReasonTag, reason } });

    public void Missed(string cameraId, string reason, int frames) =>
        _missed.Add(frames, new TagList { { CameraTag, cameraId }, { ReasonTag, reason } });

    public void PassedThrough(string cameraId) => _passedThrough.Add(1, new KeyValuePair<string, object?>(CameraTag, cameraId));

    public void Reconnected(string cameraId) => _reconnects.Add(1, new KeyValuePair<string, object?>(CameraTag, cameraId));

    public void Recorded(string cameraId, int bytes) => _recordedBytes.Add(bytes, new KeyValuePair<string, object?>(CameraTag, cameraId));

    public void RecordingDropped(string cameraId, string reason) =>
        _recordingDropped.Add(1, new TagList { { CameraTag, cameraId }, { ReasonTag, reason } });

    public void Encoded(string encoding, int bytes) => _frameSize.Record(bytes, new KeyValuePair<string, object?>(EncodingTag, encoding));
}

/// <summary>Drop reasons, as metric tag values.</summary>
internal static class DropReasons
{
    public const string QueueFull = "queue-full";
    public const string KafkaQueueFull = "kafka-queue-full";
    public const string MessageTooLarge = "message-too-large";
    public const string DeliveryFailed = "delivery-failed";
    public const string StorageError = "storage-error";
    public const string EncodeFailed = "encode-failed";

    /// <summary>A passthrough camera's JPEG that is cut off or has no readable SOF header; never published.</summary>
    public const string CorruptJpeg = "corrupt-jpeg";
}

/// <summary>The Producer's ActivitySource.</summary>
internal static class ProducerActivities
{
    public static readonly ActivitySource Source = new(ProducerMetrics.MeterName);
}
