using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Tests.Tracking;

/// <summary>
/// One camera's frames fed to a real <see cref="SceneTracking"/> at 10 fps, as the pipeline feeds it: synthetic
/// detections in a 640x480 frame, the camera's zones and lines read from configuration (<c>Scene:Cameras:cam:...</c>).
/// Every step's analysis is kept, so a test can ask at which frame something happened.
/// </summary>
internal sealed class TrackedCamera
{
    public const string Id = "cam";
    public const int Width = 640;
    public const int Height = 480;
    public const string Kind = "person";

    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(100);
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly SceneTracking _tracking;
    private readonly List<FrameAnalysis> _frames = [];

    /// <param name="scene">Configuration keys under <c>Scene:Cameras:cam</c>, e.g. <c>Zones:door:Points:0</c>.</param>
    /// <param name="options">Tracker settings; the defaults when null.</param>
    public TrackedCamera(IDictionary<string, string?>? scene = null, TrackingOptions? options = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection((scene ?? new Dictionary<string, string?>())
                .Select(pair => KeyValuePair.Create($"Scene:Cameras:{Id}:{pair.Key}", pair.Value)))
            .Build();
        _tracking = new SceneTracking(Options.Create(options ?? new TrackingOptions()), new SceneCatalog(configuration));
    }

    public IReadOnlyList<FrameAnalysis> Frames => _frames;

    public static DateTimeOffset TimeOf(int frame) => Start + (frame * FrameInterval);

    /// <summary>The next frame, with these detections; <paramref name="scanned"/> is where the detector looked (null: everywhere).</summary>
    public FrameAnalysis Step(IReadOnlyList<Detection> detections, IReadOnlyList<Detection>? scanned = null)
    {
        var analysis = new FrameAnalysis(detections.Count, [new("detections", detections.Count)])
        {
            Detections = detections,
            ScannedRegions = scanned,
        };
        var tracked = _tracking.Apply(Id, Kind, analysis, Width, Height, TimeOf(_frames.Count));
        _frames.Add(tracked);
        return tracked;
    }

    public FrameAnalysis Step(params Detection[] detections) => Step((IReadOnlyList<Detection>)detections);

    /// <summary>Every event so far with the frame that raised it.</summary>
    public IEnumerable<(int Frame, AnalysisEvent Event)> Events() =>
        _frames.SelectMany((frame, index) => frame.Events.Select(e => (index, e)));

    public IEnumerable<(int Frame, AnalysisEvent Event)> Events(string type) => Events().Where(e => e.Event.Type == type);

    /// <summary>
    /// A box <paramref name="width"/> x <paramref name="height"/> standing with its bottom centre at
    /// (<paramref name="feetX"/>, <paramref name="feetY"/>) px.
    /// </summary>
    public static Detection Standing(int feetX, int feetY, int width = 40, int height = 120) =>
        new(feetX - (width / 2), feetY - height, width, height, 1.0);

    /// <summary>Relative coordinates of a pixel position, as zones and lines use them.</summary>
    public static (double X, double Y) Relative(int x, int y) => ((double)x / Width, (double)y / Height);
}
