namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// A camera's tracked objects and counts after a frame: the confirmed tracks with their boxes (frame pixels), the
/// people in each zone and each line's crossings per direction since the service started.
/// </summary>
public sealed record SceneState(IReadOnlyList<TrackedObject> Tracks, IReadOnlyList<ZoneOccupancy> Zones, IReadOnlyList<LineCount> Lines)
{
    public static SceneState Empty { get; } = new([], [], []);
}

/// <summary>One confirmed track: its id and where it is now.</summary>
public readonly record struct TrackedObject(long Id, Detection Box);

/// <summary>How many confirmed tracks stand in <see cref="Zone"/> now.</summary>
public readonly record struct ZoneOccupancy(string Zone, int Count);

/// <summary>Crossings of <see cref="Line"/> per direction since the service started.</summary>
public readonly record struct LineCount(string Line, long In, long Out);
