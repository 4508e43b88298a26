using System.Threading.Channels;
using AspirePipeline.Producer.Recording;
using AspirePipeline.Producer.Sources;

namespace AspirePipeline.Producer;

/// <summary>
/// Reads one camera into the bounded queue, forever: a stalled or lost stream is closed and reopened with capped
/// exponential backoff (never a busy loop); reconnects are logged and counted.
/// </summary>
internal sealed partial class CameraReader(
    CameraOptions camera,
    ProducerOptions options,
    ChannelWriter<CapturedFrame> output,
    CameraStatus status,
    ProducerMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    ILogger<CameraReader> logger,
    VideoRecorder? recorder = null)
{
    private readonly StreamCodecHint _codec = new();
    private readonly FrameGaps _gaps = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = options.ReconnectInitialDelay;
        var switchedMode = false;
        var everConnected = false;
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var connected = false;
                var reopenAtOnce = false;
                IFrameSource? source = null;
                try
                {
                    source = FrameSources.Open(camera, options, _codec, loggerFactory, recorder);
                    while (true)
                    {
                        var frame = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
                        if (!connected)
                        {
                            connected = true;
                            status.OnConnected(time.GetUtcNow());
                            if (everConnected)
                            {
                                _gaps.OnReconnected();
                                status.OnReconnected();
                                metrics.Reconnected(camera.Id);
                                LogReconnected(logger, camera.Id, CameraUrl.Redact(camera.Url), failures);
                            }
                            else
                            {
                                var (width, height) = frame.Size;
                                LogConnected(logger, camera.Id, CameraUrl.Redact(camera.Url), width, height,
                                    frame.Jpeg is null ? "decoding" : frame.PassedThrough ? "passing its JPEGs through" : "JPEG from ffmpeg");
                            }
                            everConnected = true;
                            failures = 0;
                            switchedMode = false;
                            delay = options.ReconnectInitialDelay;
                        }
                        if (_gaps.OnFrame(frame.CaptureTimestampMicros, frame.TimedByStream) is (> 0 and var missing, var reason))
                        {
                            status.OnMissed(reason, missing);
                            metrics.Missed(camera.Id, reason, missing);
                            if (reason == MissReasons.StreamLost)
                            {
                                LogMissedWhileLost(logger, camera.Id, missing);
                            }
                        }
                        status.OnCaptured();
                        metrics.Captured(camera.Id);
                        if (!output.TryWrite(frame))
                        {
                            frame.Dispose();
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (StreamCodecChangedException changed) when (!switchedMode)
                {
                    // Not a failure: the same camera, opened the way its codec calls for. A second switch in a row
                    // (ffmpeg reporting different codecs each time) falls through to the backoff below.
                    LogModeSwitch(logger, camera.Id, changed.Message);
                    switchedMode = reopenAtOnce = true;
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Whatever broke this stream, the camera loop must survive it: reopen with backoff.
                    failures++;
                    status.OnLost(CameraUrl.RedactIn(exception.Message, camera.Url));
                    if (connected || failures == 1)
                    {
                        LogLost(logger, camera.Id, CameraUrl.Redact(camera.Url), delay.TotalSeconds,
                            CameraUrl.RedactIn(exception.Message, camera.Url));
                    }
                    else
                    {
                        LogStillDown(logger, camera.Id, failures, delay.TotalSeconds, CameraUrl.RedactIn(exception.Message, camera.Url));
                    }
                }
                finally
                {
                    if (source is not null)
                    {
                        await source.DisposeAsync().ConfigureAwait(false);
                    }
                }
                if (reopenAtOnce)
                {
                    continue;
                }

                try
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReconnectMaxDelay.Ticks));
            }
        }
        finally
        {
            status.OnLost("producer stopping");
            output.TryComplete();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Camera {CameraId} connected: {Url} ({Width}x{Height}, {Mode})")]
    private static partial void LogConnected(ILogger logger, string cameraId, string url, int width, int height, string mode);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Camera {CameraId}: {Change}")]
    private static partial void LogModeSwitch(ILogger logger, string cameraId, string change);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "Camera {CameraId}: about {Frames} frames were missed while its stream was lost (counted as stream-lost)")]
    private static partial void LogMissedWhileLost(ILogger logger, string cameraId, int frames);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Camera {CameraId} stream lost or unavailable ({Url}); retrying in {DelaySeconds} s: {Reason}")]
    private static partial void LogLost(ILogger logger, string cameraId, string url, double delaySeconds, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Camera {CameraId} still down after {Attempts} attempts; retrying in {DelaySeconds} s: {Reason}")]
    private static partial void LogStillDown(ILogger logger, string cameraId, int attempts, double delaySeconds, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Camera {CameraId} reconnected to {Url} after {Attempts} failed attempts")]
    private static partial void LogReconnected(ILogger logger, string cameraId, string url, int attempts);
}
