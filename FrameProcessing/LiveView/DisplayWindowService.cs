using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>
/// The optional OpenCV window (<c>Display:Window=true</c>): shows the live view's overlay frames on a local display.
/// HighGUI needs its own thread pumping <c>WaitKey</c>, so the window runs on a dedicated thread.
/// </summary>
internal sealed partial class DisplayWindowService(
    IOptions<DisplayOptions> options,
    LiveFrameHub hub,
    AspirePipeline.FrameProcessing.Reporting.ConsumerIdentity identity,
    ILogger<DisplayWindowService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Window)
        {
            return Task.CompletedTask;
        }
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
        {
            LogNoDisplay();
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ShowWindow(stoppingToken);
                done.TrySetResult();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                done.TrySetResult();
            }
            catch (Exception exception) when (exception is OpenCVException or OpenCvSharpException)
            {
                LogWindowFailed(exception);
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "display-window",
        };
        thread.Start();
        return done.Task;
    }

    private void ShowWindow(CancellationToken stoppingToken)
    {
        var title = $"{identity.GroupId} ({identity.Analyzer})";
        using var viewer = hub.AddViewer();
        // AutoSize: without a window manager a normal window keeps its first size and crops the frame.
        Cv2.NamedWindow(title, WindowFlags.AutoSize);
        LogWindowOpened(title);
        try
        {
            long version = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = hub.NextFrameAsync(version, stoppingToken);
                // Keep the window responsive while waiting: HighGUI only repaints inside WaitKey.
                while (!next.IsCompleted)
                {
                    Cv2.WaitKey(20);
                }
                var frame = next.GetAwaiter().GetResult();
                version = frame.Version;
                using var image = Cv2.ImDecode(frame.Jpeg, ImreadModes.Color);
                Cv2.ImShow(title, image);
                Cv2.WaitKey(1);
            }
        }
        finally
        {
            Cv2.DestroyWindow(title);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Display:Window is true but DISPLAY is not set (no X display); running headless. Use the live view page instead")]
    private partial void LogNoDisplay();

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Showing frames in window '{Title}'")]
    private partial void LogWindowOpened(string title);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "The display window failed; continuing headless")]
    private partial void LogWindowFailed(Exception exception);
}
