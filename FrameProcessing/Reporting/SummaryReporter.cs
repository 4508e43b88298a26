using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>Closes a statistics window every <see cref="FrameProcessingOptions.SummaryInterval"/> and logs it.</summary>
internal sealed partial class SummaryReporter(
    ProcessingStatistics statistics,
    ConsumerIdentity identity,
    IOptions<FrameProcessingOptions> options,
    TimeProvider timeProvider,
    ILogger<SummaryReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SummaryInterval, timeProvider);
        var wasIdle = true;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var snapshot = statistics.TakeSnapshot();
                if (snapshot.FramesInWindow > 0)
                {
                    LogSummary(identity.GroupId, snapshot.FramesInWindow, snapshot.FramesPerSecond, identity.Analyzer,
                        snapshot.MeanValue ?? 0, snapshot.LatencyP50Ms ?? 0, snapshot.LatencyMaxMs ?? 0, snapshot.Lag,
                        snapshot.FramesProcessed, snapshot.SampledOutFrames, snapshot.SkippedFrames, snapshot.MissingFrames);
                    wasIdle = false;
                }
                else if (!wasIdle)
                {
                    // One line when frames stop, instead of a line of zeros every second.
                    LogIdle(identity.GroupId, snapshot.Lag, snapshot.FramesProcessed);
                    wasIdle = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "{GroupId}: {Frames} frames ({Fps:F1} fps), mean {Analyzer} {MeanValue:F3}, " +
            "latency p50 {LatencyP50Ms:F0} ms max {LatencyMaxMs:F0} ms, lag {Lag}, total {FramesProcessed}, " +
            "sampled out {SampledOutFrames}, skipped {SkippedFrames}, missing {MissingFrames}")]
    private partial void LogSummary(string groupId, long frames, double fps, string analyzer, double meanValue,
        double latencyP50Ms, double latencyMaxMs, long lag, long framesProcessed, long sampledOutFrames, long skippedFrames,
        long missingFrames);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
        Message = "{GroupId}: no frames in the last interval, lag {Lag}, total {FramesProcessed}")]
    private partial void LogIdle(string groupId, long lag, long framesProcessed);
}
