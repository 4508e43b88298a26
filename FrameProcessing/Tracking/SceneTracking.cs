using AspirePipeline.FrameProcessing.Analysis;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>
/// The stage after a detecting analysis: per camera, its detections become tracks (<see cref="ObjectTracker"/>), the
/// tracks move through the camera's zones and across its lines (<see cref="SceneCounter"/>), and the frame's analysis
/// gains the events (<c>{kind}-appeared</c>/<c>-left</c> per track, zone and line events) and the
/// <see cref="SceneState"/>. Called from the single processing thread.
/// </summary>
public sealed class SceneTracking(IOptions<TrackingOptions> options, SceneCatalog catalog)
{
    private readonly TrackingOptions _options = options.Value;
    private readonly Dictionary<string, CameraTracks> _cameras = new(StringComparer.Ordinal);
    private long _tick;

    /// <summary>
    /// <paramref name="analysis"/> of a frame of camera <paramref name="cameraId"/>, its detections and scanned regions in
    /// the frame's pixels (<paramref name="width"/> x <paramref name="height"/>) at <paramref name="time"/>, with its
    /// tracks, counts and events added.
    /// </summary>
    public FrameAnalysis Apply(string cameraId, string kind, FrameAnalysis analysis, int width, int height, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        ArgumentNullException.ThrowIfNull(analysis);
        if (width <= 0 || height <= 0)
        {
            return analysis;
        }
        var camera = CameraFor(cameraId);
        var step = camera.Tracker.Update(analysis.Detections ?? [], analysis.ScannedRegions, time);

        var events = new List<AnalysisEvent>(analysis.Events);
        foreach (var track in step.Confirmed)
        {
            events.Add(new AnalysisEvent(SceneEvents.Appeared(kind)) { TrackId = track.Id });
        }
        camera.Counter.Update(camera.Tracker.Tracks, step.Ended, width, height, time, events);
        foreach (var track in step.Ended)
        {
            events.Add(new AnalysisEvent(SceneEvents.Left(kind)) { TrackId = track.Id, DwellSeconds = (time - track.FirstSeen).TotalSeconds });
        }

        var tracks = camera.Tracker.Tracks.Where(track => track.Confirmed)
            .Select(track => new TrackedObject(track.Id, track.Box.ToDetection(track.Score)))
            .ToArray();
        var (zones, lines) = camera.Counter.Counts();
        return analysis with
        {
            Events = events,
            Scene = new SceneState(tracks, zones, lines),
            Values = [.. analysis.Values, new("tracks", tracks.Length), new("present", tracks.Length > 0 ? 1 : 0)],
        };
    }

    private CameraTracks CameraFor(string cameraId)
    {
        if (!_cameras.TryGetValue(cameraId, out var camera))
        {
            if (_cameras.Count >= _options.MaxCameras)
            {
                // Forgotten without events: a camera not seen for this long has no one to say "left" to.
                _cameras.Remove(_cameras.MinBy(pair => pair.Value.LastSeen).Key);
            }
            camera = new CameraTracks(new ObjectTracker(_options), new SceneCounter(catalog.For(cameraId)));
            _cameras.Add(cameraId, camera);
        }
        camera.LastSeen = ++_tick;
        return camera;
    }

    private sealed class CameraTracks(ObjectTracker tracker, SceneCounter counter)
    {
        public ObjectTracker Tracker { get; } = tracker;

        public SceneCounter Counter { get; } = counter;

        public long LastSeen { get; set; }
    }
}
