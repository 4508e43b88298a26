using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Hosting.Camera;

/// <summary>Marks a simulator process the AppHost restarts when it crashes, as a real camera comes back after a fault.</summary>
internal sealed class RestartOnCrashAnnotation : IResourceAnnotation;

/// <summary>
/// Restarts crashed camera simulators. GStreamer's RTSP server can abort on internal assertions while readers
/// connect and leave; DCP does not restart executables, and without a camera the producer would wait forever.
/// Stops (the dashboard's Stop, shutdown) and clean exits are left alone; restarts back off up to 10 s.
/// </summary>
internal sealed partial class CameraSimulatorSupervisor(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ILogger<CameraSimulatorSupervisor> logger) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// rtsp_simulator.py's exit codes for a machine it cannot run on (2: arguments or Python GStreamer bindings, 3: a
    /// GStreamer element missing): a restart would fail the same way, and its console log already names the package.
    /// </summary>
    private static readonly int[] NotRunnableExitCodes = [2, 3];

    private readonly Dictionary<string, int> _crashes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _lastState = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!change.Resource.Annotations.OfType<RestartOnCrashAnnotation>().Any())
                {
                    continue;
                }

                // A crash goes straight from Running to Exited; a stop (dashboard, shutdown) passes through Stopping.
                var state = change.Snapshot.State?.Text;
                var previous = _lastState.GetValueOrDefault(change.ResourceId);
                _lastState[change.ResourceId] = state;
                if (previous != KnownResourceStates.Running
                    || (state != KnownResourceStates.Exited && state != KnownResourceStates.Finished)
                    || change.Snapshot.ExitCode is not { } exitCode || exitCode == 0)
                {
                    continue;
                }

                if (NotRunnableExitCodes.Contains(exitCode))
                {
                    LogNotRunnable(change.Resource.Name, exitCode);
                    continue;
                }

                var crashes = _crashes[change.ResourceId] = _crashes.GetValueOrDefault(change.ResourceId) + 1;
                var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(crashes - 1, 4)));
                LogRestarting(change.Resource.Name, exitCode, crashes, delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                var result = await commands.ExecuteCommandAsync(change.ResourceId, KnownResourceCommands.StartCommand, stoppingToken)
                    .ConfigureAwait(false);
                if (!result.Success)
                {
                    LogRestartFailed(change.Resource.Name, result.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is shutting down: stopping simulators now is intended.
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Camera simulator {Resource} crashed with exit code {ExitCode} (crash {Crashes}); restarting in {Delay}")]
    private partial void LogRestarting(string resource, int exitCode, int crashes, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error,
        Message = "Camera simulator {Resource} cannot run on this machine (exit code {ExitCode}); " +
            "its console log names what to install (scripts/prerequisites.sh installs it). Not restarted.")]
    private partial void LogNotRunnable(string resource, int exitCode);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Camera simulator {Resource} could not be restarted: {Reason}")]
    private partial void LogRestartFailed(string resource, string? reason);
}
