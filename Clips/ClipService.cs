using System.Diagnostics;
using AspirePipeline.Clips.Catalog;
using AspirePipeline.Clips.Kafka;
using AspirePipeline.Clips.Remux;
using AspirePipeline.Clips.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips;

/// <summary>
/// Makes a clip: checks the range, reads the camera's messages (<see cref="VideoReader"/>, on its own thread), picks
/// the keyframe to start at (<see cref="ClipSelection"/>) and remuxes (<see cref="FfmpegRemuxer"/>). What cannot be
/// served is a <see cref="ClipException"/> whose detail says what the recording holds and what to ask instead.
/// </summary>
internal sealed partial class ClipService(
    VideoReader reader,
    FfmpegRemuxer remuxer,
    RecordingCatalog catalog,
    ClipsTelemetry telemetry,
    IOptions<ClipsOptions> options,
    TimeProvider time,
    ILogger<ClipService> logger)
{
    public async Task<Clip> MakeAsync(string camera, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        using var activity = ClipsTelemetry.ActivitySource.StartActivity("clip make");
        activity?.SetTag(ClipsTelemetry.CameraTag, camera);
        activity?.SetTag("clips.from", Instants.Format(from));
        activity?.SetTag("clips.to", Instants.Format(to));
        var clock = Stopwatch.StartNew();
        try
        {
            CheckRange(from, to);
            CheckCatalog(camera, from, to);
            SpooledRecording spool;
            using (ClipsTelemetry.ActivitySource.StartActivity($"{options.Value.VideoTopic} read"))
            {
                // The read blocks on Kafka (and may wait for the recording): a thread of its own, not a pool thread.
                spool = await Task.Factory.StartNew(() => reader.Read(camera, from, to, cancellationToken), CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            using (spool)
            {
                var selection = ClipSelection.Choose(spool.Units, from, to) ?? throw Unservable(camera, from, to, spool);
                FileStream mp4;
                using (ClipsTelemetry.ActivitySource.StartActivity("ffmpeg remux"))
                {
                    mp4 = await remuxer.RemuxAsync(camera, spool.File, selection.Units, cancellationToken);
                }
                var clip = new Clip(camera, mp4, selection.FirstCapture, selection.LastCapture, selection.Units.Count,
                    selection.StartsAfterFrom, spool.PassedTo);
                telemetry.RecordServed(mp4.Length, clip.LastCapture - clip.FirstCapture, clock.Elapsed);
                activity?.SetTag(ClipsTelemetry.OutcomeTag, ClipsTelemetry.OutcomeServed);
                LogServed(camera, Instants.Format(clip.FirstCapture), Instants.Format(clip.LastCapture), clip.Frames, mp4.Length,
                    spool.OtherMessages, clock.ElapsedMilliseconds);
                return clip;
            }
        }
        catch (ClipException exception)
        {
            telemetry.RecordRefused(exception.Outcome, clock.Elapsed);
            activity?.SetTag(ClipsTelemetry.OutcomeTag, exception.Outcome);
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            LogRefused(camera, exception.StatusCode, exception.Message);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            telemetry.RecordRefused(ClipsTelemetry.OutcomeCancelled, clock.Elapsed);
            activity?.SetTag(ClipsTelemetry.OutcomeTag, ClipsTelemetry.OutcomeCancelled);
            LogCancelled(camera, clock.ElapsedMilliseconds);
            throw;
        }
    }

    /// <summary>The 404 for a camera the video topic has nothing of, naming the cameras it has.</summary>
    public ClipException UnknownCamera(string camera)
    {
        var topic = options.Value.VideoTopic;
        var cameras = catalog.Cameras();
        var status = catalog.Status();
        var known = cameras.Count == 0
            ? $"No camera has recordings there (the producer records a camera with Cameras:{{id}}:Record=true)."
            : $"Cameras with recordings: {string.Join("; ", cameras.Select(Range))}. Each one's page is /clips/{{camera}}, all are listed at /.";
        return ClipException.NotFound($"No recording of camera '{camera}' in {topic}. {known}"
            + (status.CaughtUp ? string.Empty : $" ({status.Describe()})"));
    }

    private void CheckRange(DateTimeOffset from, DateTimeOffset to)
    {
        var settings = options.Value;
        if (from >= to)
        {
            throw ClipException.BadRequest($"from ({Instants.Format(from)}) must be before to ({Instants.Format(to)}).");
        }
        if (to - from > settings.MaxDuration)
        {
            throw ClipException.BadRequest($"The range from {Instants.Format(from)} to {Instants.Format(to)} is {Instants.Describe(to - from)} "
                + $"long; a clip is at most {Instants.Describe(settings.MaxDuration)} (Clips:MaxDuration). Ask for several shorter clips.");
        }
        var ahead = from - time.GetUtcNow();
        if (ahead > settings.RecordingWait)
        {
            throw ClipException.BadRequest($"from ({Instants.Format(from)}) is {Instants.Describe(ahead)} in the future; a request waits for "
                + $"the recording at most {Instants.Describe(settings.RecordingWait)} (Clips:RecordingWait). Ask again once it is recorded.");
        }
    }

    /// <summary>
    /// What the catalog can answer without reading Kafka: a camera it has nothing of, for a range whose recording would
    /// have arrived by now (else it may be a camera just starting to record, and the read waits for it); a range before
    /// what retention keeps.
    /// </summary>
    private void CheckCatalog(string camera, DateTimeOffset from, DateTimeOffset to)
    {
        var recorded = catalog.Find(camera);
        if (recorded is null && catalog.Status().CaughtUp && to + options.Value.RecordingWait <= time.GetUtcNow())
        {
            throw UnknownCamera(camera);
        }
        if (recorded is not null && to < recorded.First)
        {
            throw ClipException.OutOfRange($"{Keeps(recorded)}; the range asked for, {Instants.Format(from)} to {Instants.Format(to)}, "
                + "ends before that. Ask for a range within it.");
        }
    }

    private ClipException Unservable(string camera, DateTimeOffset from, DateTimeOffset to, SpooledRecording spool)
    {
        var settings = options.Value;
        var asked = $"{Instants.Format(from)} to {Instants.Format(to)}";
        if (spool.Units.Count > 0)
        {
            return ClipException.OutOfRange($"Camera {camera} has no keyframe between {Instants.Format(from - settings.KeyframeLookback)} "
                + $"(from - Clips:KeyframeLookback, {Instants.Describe(settings.KeyframeLookback)}) and {Instants.Format(to)}: "
                + "a clip must start at one. Ask for a longer range, or raise Clips:KeyframeLookback above the camera's keyframe interval.");
        }
        if (catalog.Find(camera) is not { } recorded)
        {
            return UnknownCamera(camera);
        }
        var why = to < recorded.First ? "ends before that"
            : from > recorded.Last ? $"starts after that (the request waited up to {Instants.Describe(settings.RecordingWait)}, "
                + "Clips:RecordingWait, for the recording)"
            : "falls in a gap of its recording";
        return ClipException.OutOfRange($"{Keeps(recorded)}; the range asked for, {asked}, {why}. Ask for a range within it.");
    }

    private string Keeps(RecordedCamera recorded) =>
        $"{options.Value.VideoTopic} keeps camera {recorded.Camera} from {Instants.Format(recorded.First)} to {Instants.Format(recorded.Last)}";

    private static string Range(RecordedCamera recorded) =>
        $"{recorded.Camera} ({Instants.Format(recorded.First)} to {Instants.Format(recorded.Last)})";

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Clip of camera {Camera} served: {First} to {Last}, {Frames} frames, {Bytes} bytes ({Others} other cameras' messages "
            + "passed over) in {ElapsedMs} ms")]
    private partial void LogServed(string camera, string first, string last, int frames, long bytes, long others, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Clip of camera {Camera} refused with {StatusCode}: {Detail}")]
    private partial void LogRefused(string camera, int statusCode, string detail);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Clip of camera {Camera} cancelled after {ElapsedMs} ms (the client left or the service stops): Kafka read and ffmpeg stopped")]
    private partial void LogCancelled(string camera, long elapsedMs);
}
