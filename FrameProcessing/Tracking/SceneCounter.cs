using AspirePipeline.Contracts.Scene;
using AspirePipeline.FrameProcessing.Analysis;

namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>
/// One camera's zones and counting lines, applied to its confirmed tracks. Where a track stands is the bottom centre
/// of its box, relative to the frame. A track enters a zone when that point is inside the polygon by more than
/// <see cref="Hysteresis"/> and leaves when it is outside by as much, so a person standing on the border does not
/// flicker in and out; likewise a line is crossed when the point passes from one side to the other by more than
/// that, within the segment's extent.
/// </summary>
internal sealed class SceneCounter(CameraScene scene)
{
    /// <summary>Distance (relative to the frame) beyond a zone's border or a line before a side counts: about 6 px at 576.</summary>
    public const double Hysteresis = 0.01;

    private readonly Dictionary<long, TrackPlace> _places = [];
    private readonly long[] _in = new long[scene.Lines.Count];
    private readonly long[] _out = new long[scene.Lines.Count];

    public CameraScene Scene => scene;

    /// <summary>
    /// Moves the zone and line state on with the camera's <paramref name="tracks"/> after a frame (frame size
    /// <paramref name="width"/> x <paramref name="height"/>); <paramref name="ended"/> tracks leave their zones.
    /// </summary>
    public void Update(IEnumerable<Track> tracks, IEnumerable<Track> ended, int width, int height, DateTimeOffset time,
        List<AnalysisEvent> events)
    {
        foreach (var track in ended)
        {
            if (_places.Remove(track.Id, out var place))
            {
                LeaveAll(track.Id, place, time, events);
            }
        }
        foreach (var track in tracks)
        {
            if (!track.Confirmed)
            {
                continue;
            }
            var feet = new ScenePoint((track.Box.X + (track.Box.Width / 2)) / width, (track.Box.Y + track.Box.Height) / height);
            if (!_places.TryGetValue(track.Id, out var place))
            {
                place = new TrackPlace(scene.Zones.Count, scene.Lines.Count);
                _places.Add(track.Id, place);
            }
            UpdateZones(track.Id, place, feet, time, events);
            UpdateLines(track.Id, place, feet, events);
        }
    }

    /// <summary>Zone occupancy and line counts as they stand.</summary>
    public (IReadOnlyList<ZoneOccupancy> Zones, IReadOnlyList<LineCount> Lines) Counts()
    {
        var zones = new ZoneOccupancy[scene.Zones.Count];
        for (var z = 0; z < zones.Length; z++)
        {
            zones[z] = new ZoneOccupancy(scene.Zones[z].Name, _places.Values.Count(place => place.EnteredAt[z] is not null));
        }
        var lines = new LineCount[scene.Lines.Count];
        for (var l = 0; l < lines.Length; l++)
        {
            lines[l] = new LineCount(scene.Lines[l].Name, _in[l], _out[l]);
        }
        return (zones, lines);
    }

    private void UpdateZones(long trackId, TrackPlace place, ScenePoint feet, DateTimeOffset time, List<AnalysisEvent> events)
    {
        for (var z = 0; z < scene.Zones.Count; z++)
        {
            var zone = scene.Zones[z];
            var inside = zone.Contains(feet);
            var clear = DistanceToBorder(zone.Points, feet) > Hysteresis;
            if (place.EnteredAt[z] is not { } entered)
            {
                if (inside && clear)
                {
                    place.EnteredAt[z] = time;
                    place.Loitered[z] = false;
                    events.Add(new AnalysisEvent(SceneEvents.ZoneEntered) { TrackId = trackId, Zone = zone.Name });
                }
                continue;
            }
            if (!inside && clear)
            {
                place.EnteredAt[z] = null;
                events.Add(new AnalysisEvent(SceneEvents.ZoneLeft)
                    { TrackId = trackId, Zone = zone.Name, DwellSeconds = (time - entered).TotalSeconds });
            }
            else if (zone.MinDwell is { } minDwell && !place.Loitered[z] && time - entered >= minDwell)
            {
                place.Loitered[z] = true;
                events.Add(new AnalysisEvent(SceneEvents.ZoneLoitering)
                    { TrackId = trackId, Zone = zone.Name, DwellSeconds = (time - entered).TotalSeconds });
            }
        }
    }

    private void UpdateLines(long trackId, TrackPlace place, ScenePoint feet, List<AnalysisEvent> events)
    {
        for (var l = 0; l < scene.Lines.Count; l++)
        {
            var line = scene.Lines[l];
            var (dx, dy) = (line.To.X - line.From.X, line.To.Y - line.From.Y);
            var length = Math.Sqrt((dx * dx) + (dy * dy));
            var signed = ((dx * (feet.Y - line.From.Y)) - (dy * (feet.X - line.From.X))) / length;
            if (Math.Abs(signed) <= Hysteresis)
            {
                continue;
            }
            var side = Math.Sign(signed);
            if (place.LineSide[l] is not { } previous)
            {
                place.LineSide[l] = (side, feet);
                continue;
            }
            if (previous.Side == side)
            {
                place.LineSide[l] = (side, feet);
                continue;
            }
            place.LineSide[l] = (side, feet);
            // Where the path from the last point on the other side meets the line: within the segment, or no crossing.
            var along = AlongLine(line, previous.At, feet);
            if (along is < 0 or > 1)
            {
                continue;
            }
            var (inX, inY) = SceneLine.Vector(line.In);
            var inbound = ((feet.X - previous.At.X) * inX) + ((feet.Y - previous.At.Y) * inY) > 0;
            if (inbound)
            {
                _in[l]++;
            }
            else
            {
                _out[l]++;
            }
            events.Add(new AnalysisEvent(SceneEvents.LineCrossed)
                { TrackId = trackId, Line = line.Name, Direction = inbound ? SceneLine.Inbound : SceneLine.Outbound });
        }
    }

    private void LeaveAll(long trackId, TrackPlace place, DateTimeOffset time, List<AnalysisEvent> events)
    {
        for (var z = 0; z < scene.Zones.Count; z++)
        {
            if (place.EnteredAt[z] is { } entered)
            {
                events.Add(new AnalysisEvent(SceneEvents.ZoneLeft)
                    { TrackId = trackId, Zone = scene.Zones[z].Name, DwellSeconds = (time - entered).TotalSeconds });
            }
        }
    }

    /// <summary>The position along the line (0 at From, 1 at To) where the segment a-b meets it.</summary>
    private static double AlongLine(SceneLine line, ScenePoint a, ScenePoint b)
    {
        var (rx, ry) = (line.To.X - line.From.X, line.To.Y - line.From.Y);
        var (sx, sy) = (b.X - a.X, b.Y - a.Y);
        var denominator = (rx * sy) - (ry * sx);
        if (Math.Abs(denominator) < 1e-12)
        {
            return double.NaN;
        }
        return (((a.X - line.From.X) * sy) - ((a.Y - line.From.Y) * sx)) / denominator;
    }

    private static double DistanceToBorder(IReadOnlyList<ScenePoint> polygon, ScenePoint point)
    {
        var nearest = double.MaxValue;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var (a, b) = (polygon[j], polygon[i]);
            var (dx, dy) = (b.X - a.X, b.Y - a.Y);
            var lengthSquared = (dx * dx) + (dy * dy);
            // A corner given twice (a ring written closed) is an edge of no length: 0/0 would make every distance NaN.
            var t = lengthSquared > 0 ? Math.Clamp((((point.X - a.X) * dx) + ((point.Y - a.Y) * dy)) / lengthSquared, 0, 1) : 0;
            var (nx, ny) = (a.X + (t * dx) - point.X, a.Y + (t * dy) - point.Y);
            nearest = Math.Min(nearest, Math.Sqrt((nx * nx) + (ny * ny)));
        }
        return nearest;
    }

    private sealed class TrackPlace(int zones, int lines)
    {
        public DateTimeOffset?[] EnteredAt { get; } = new DateTimeOffset?[zones];

        public bool[] Loitered { get; } = new bool[zones];

        public (int Side, ScenePoint At)?[] LineSide { get; } = new (int, ScenePoint)?[lines];
    }
}
