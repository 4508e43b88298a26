using System.Threading.Channels;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using AspirePipeline.Producer.Recording;
using AspirePipeline.Producer.Sources;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Producer;

/// <summary>
/// Runs, per camera, a reader (capture → bounded queue, drop-oldest) and a publisher (queue → Kafka); on shutdown
/// flushes Kafka with a deadline so acknowledged-or-not is known for every frame handed over.
/// </summary>
internal sealed partial class FrameProducerService(
    IOptions<ProducerOptions> options,
    IProducer<string, byte[]> producer,
    CameraStatusBoard board,
    ProducerMetrics metrics,
    KafkaClientMetrics kafkaMetrics,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    ILogger<FrameProducerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var cameras = settings.EffectiveCameras;
        OpenCvThreading.Apply(settings.OpenCvThreads);
        LogStarting(logger, cameras.Count, settings.Topic, settings.Encoding.ToString());

        var publishers = new List<FramePublisher>();
        var loops = new List<Task>();
        foreach (var camera in cameras)
        {
            var status = board.For(camera.Id);
            var queue = CreateQueue(settings.QueueCapacity, () =>
            {
                status.OnDropped(DropReasons.QueueFull);
                metrics.Dropped(camera.Id, DropReasons.QueueFull);
            });
            status.Recorded = camera.Record;
            var recorder = camera.Record
                ? new VideoRecorder(camera, settings, producer, status.Recording, metrics, time, loggerFactory.CreateLogger<VideoRecorder>())
                : null;
            var reader = new CameraReader(camera, settings, queue.Writer, status, metrics, time, loggerFactory,
                loggerFactory.CreateLogger<CameraReader>(), recorder);
            var publisher = new FramePublisher(camera, settings, queue.Reader, producer, status, metrics, kafkaMetrics, time,
                loggerFactory.CreateLogger<FramePublisher>());
            publishers.Add(publisher);
            // Own tasks so a slow encode never delays reading the camera pipe (and the other way round).
            loops.Add(Task.Run(() => reader.RunAsync(stoppingToken), CancellationToken.None));
            loops.Add(Task.Run(() => publisher.RunAsync(stoppingToken), CancellationToken.None));
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        finally
        {
            var unacknowledged = producer.Flush(settings.FlushTimeout);
            if (unacknowledged > 0)
            {
                LogUnflushed(logger, unacknowledged, settings.FlushTimeout.TotalSeconds);
            }
            foreach (var publisher in publishers)
            {
                publisher.Dispose();
            }
            LogStopped(logger);
        }
    }

    /// <summary>
    /// The capture → publish queue of one camera: bounded; when full the OLDEST frame is dropped (a live view wants the
    /// newest), its buffer released and <paramref name="onDropped"/> told so the drop is counted.
    /// </summary>
    internal static Channel<CapturedFrame> CreateQueue(int capacity, Action onDropped) =>
        Channel.CreateBounded<CapturedFrame>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = true,
            },
            dropped =>
            {
                dropped.Dispose();
                onDropped();
            });

    [LoggerMessage(EventId = 30, Level = LogLevel.Information,
        Message = "Producing frames of {CameraCount} camera(s) to topic {Topic} as {Encoding}")]
    private static partial void LogStarting(ILogger logger, int cameraCount, string topic, string encoding);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning,
        Message = "{Count} frame(s) were not acknowledged by Kafka within the {FlushSeconds} s shutdown flush and are lost")]
    private static partial void LogUnflushed(ILogger logger, int count, double flushSeconds);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "Frame producer stopped")]
    private static partial void LogStopped(ILogger logger);
}
