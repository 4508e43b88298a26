using System.Globalization;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// A site run's recording: per camera, what <c>frames.video</c> holds of the window (<see cref="CameraRecordingWindow"/>),
/// what the producer says it did not record, and how the recording's size compares with the camera's own bitrate, as
/// the messages' payloads and as the broker's files hold it.
/// </summary>
/// <remarks>
/// The sizes are taken over every message of the run (warm-up, window and drain) per second of the cameras' video (its
/// pictures at the cameras' rate): the clip has a keyframe six times the size of its other pictures twice a second, so
/// how many of them a short window holds moves a window's bytes by a few percent.
/// </remarks>
/// <param name="Fps">The cameras' rate: the recording is every one of their frames.</param>
/// <param name="WindowSeconds">The window's length by the wall clock the capture times are taken from.</param>
/// <param name="Cameras">Every camera's window, one per camera run, whether or not anything of it was read.</param>
/// <param name="Run">Every camera's messages of the whole run.</param>
/// <param name="Producer">The producer's recording figures when the groups had caught up after the cameras stopped.</param>
/// <param name="CameraBytesPerSecond">The camera's own bitrate (<see cref="SiteSettings.CameraBytesPerSecond"/>).</param>
/// <param name="DiskBytes">
/// The bytes of the broker's <c>frames.video-N</c> partition directories (created empty) when the messages had been read.
/// </param>
/// <param name="Unreadable">Messages of the topic without the video headers.</param>
/// <param name="SkippedInWindow">
/// Transport-stream bytes the producer skipped in the window (<c>skippedBytes</c>: not part of a whole access unit);
/// <see cref="RecordingFigures.SkippedBytes"/> of <see cref="Producer"/> adds the unit each camera's stream was cut in
/// when the cameras stopped.
/// </param>
/// <param name="NotRead">Messages the producer had published that the benchmark's reader had not read by the end.</param>
internal sealed record SiteRecordingResult(int Fps, double WindowSeconds, IReadOnlyList<CameraRecordingWindow> Cameras,
    IReadOnlyList<CameraRecordingWindow> Run, RecordingFigures Producer, double CameraBytesPerSecond, long DiskBytes, long Unreadable,
    long SkippedInWindow, long NotRead)
{
    /// <summary>Below this share of the camera's rate a camera's recording lost frames before the producer numbered them.</summary>
    private const double MinRateShare = 0.95;

    /// <summary>Pictures a second recorded in the window of the camera recorded least.</summary>
    public double SlowestCameraFps => Cameras.Count == 0 ? 0 : Cameras.Min(camera => camera.Pictures) / WindowSeconds;

    /// <summary>Access units missing between messages in the window, over all cameras.</summary>
    public long Missing => Cameras.Sum(camera => camera.Missing);

    /// <summary>The pts span's largest distance from the pictures in the window, in frames, over the cameras (signed).</summary>
    public long WorstPtsMismatch => Cameras.Count == 0 ? 0 : Cameras.MaxBy(camera => Math.Abs(camera.PtsMismatch))!.PtsMismatch;

    /// <summary>Messages in the window that continue the picture before them, over all cameras.</summary>
    public long Split => Cameras.Sum(camera => camera.Split);

    /// <summary>Seconds of the cameras' video recorded in the run, over all cameras: their pictures at the cameras' rate.</summary>
    private double VideoSeconds => Run.Sum(camera => camera.Pictures) / (double)Fps;

    /// <summary>The recording's payload bytes per second of a camera's video.</summary>
    public double BytesPerSecondPerCamera => VideoSeconds > 0 ? Run.Sum(camera => camera.Bytes) / VideoSeconds : 0;

    /// <summary><c>frames.video</c>'s payload per second of a camera's video over the camera's own bitrate.</summary>
    public double Ratio => BytesPerSecondPerCamera / CameraBytesPerSecond;

    /// <summary>The broker's <c>frames.video</c> files per second of a camera's video over the camera's own bitrate.</summary>
    public double DiskRatio => VideoSeconds > 0 ? DiskBytes / VideoSeconds / CameraBytesPerSecond : 0;

    /// <summary>Why the recording is not complete (empty when it is).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            var problems = new List<string>();
            foreach (var camera in Cameras)
            {
                if (camera.Count == 0)
                {
                    problems.Add($"{camera.Camera}: nothing recorded in the window");
                    continue;
                }
                if (camera.Missing > 0 || camera.OutOfOrder > 0)
                {
                    problems.Add(Invariant($"{camera.Camera}: {camera.Missing} access units missing, ")
                        + Invariant($"{camera.OutOfOrder} out of order in frames.video"));
                }
                if (camera.WithoutPts > 0 || Math.Abs(camera.PtsMismatch) > 1)
                {
                    problems.Add(Invariant($"{camera.Camera}: pts span {camera.PtsFrames} frames, {camera.Pictures} pictures recorded")
                        + Invariant($"{(camera.WithoutPts > 0 ? $", {camera.WithoutPts} messages without pts" : "")}"));
                }
                if (camera.Pictures < MinRateShare * Fps * WindowSeconds)
                {
                    problems.Add(Invariant($"{camera.Camera}: recorded {camera.Pictures / WindowSeconds:F1} fps of {Fps}"));
                }
            }
            if (Producer.Dropped > 0)
            {
                problems.Add(Invariant($"recording: {Producer.Dropped} dropped by the producer (")
                    + string.Join(", ", Producer.DroppedByReason.Select(reason => Invariant($"{reason.Key} {reason.Value}"))) + ")");
            }
            if (Unreadable > 0)
            {
                problems.Add(Invariant($"recording: {Unreadable} frames.video messages without the video headers"));
            }
            if (NotRead > 0)
            {
                problems.Add(Invariant($"recording: the benchmark's reader had not read {NotRead} of {Producer.Published} published"));
            }
            return problems;
        }
    }

    /// <summary>The recording's figures of a run.</summary>
    /// <param name="fps">The cameras' rate.</param>
    /// <param name="cameraIds">The cameras run.</param>
    /// <param name="messages">Everything read from <c>frames.video</c>, in the topic's order.</param>
    /// <param name="from">The window's start.</param>
    /// <param name="to">The window's end.</param>
    /// <param name="producer">The producer's recording figures at the end.</param>
    /// <param name="site">The site's settings (the camera's bitrate).</param>
    /// <param name="diskBytes">The broker's <c>frames.video</c> files' bytes when <paramref name="messages"/> were read.</param>
    /// <param name="unreadable">Messages read without the video headers.</param>
    /// <param name="skippedInWindow">The producer's skipped bytes in the window.</param>
    public static SiteRecordingResult Of(int fps, IReadOnlyList<string> cameraIds, IReadOnlyList<VideoMessage> messages,
        DateTimeOffset from, DateTimeOffset to, RecordingFigures producer, SiteSettings site, long diskBytes, long unreadable,
        long skippedInWindow)
    {
        var byCamera = messages.ToLookup(message => message.Camera, StringComparer.Ordinal);
        var window = cameraIds.Select(camera => CameraRecordingWindow.Of(camera,
            [.. byCamera[camera].Where(message => message.CaptureTimestamp >= from && message.CaptureTimestamp < to)], fps)).ToList();
        var run = cameraIds.Select(camera => CameraRecordingWindow.Of(camera, [.. byCamera[camera]], fps)).ToList();
        return new SiteRecordingResult(fps, (to - from).TotalSeconds, window, run, producer, site.CameraBytesPerSecond, diskBytes, unreadable,
            skippedInWindow, Math.Max(0, producer.Published - messages.Count - unreadable));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
