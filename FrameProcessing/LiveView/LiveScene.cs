using AspirePipeline.FrameProcessing.Analysis;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>
/// A camera's latest scene as <c>/stats</c> serves it: how many confirmed tracks there are, each zone's occupancy now
/// and each counting line's crossings in and out since the service started.
/// </summary>
public sealed record LiveScene(string Camera, int Tracks, IReadOnlyList<ZoneOccupancy> Zones, IReadOnlyList<LineCount> Lines)
{
    public static LiveScene From(string camera, SceneState scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        return new LiveScene(camera, scene.Tracks.Count, scene.Zones, scene.Lines);
    }
}
