using AspirePipeline.FrameProcessing.Analysis;

namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>
/// One camera's tracks. Each analysed frame's detections are matched to the tracks' predicted boxes (position plus
/// velocity times the time since the track was last updated): by overlap first, then by distance for objects that
/// moved further than their size. A matched track moves towards its detection; an unmatched detection starts a
/// tentative track, confirmed after <see cref="TrackingOptions.AppearAfterFrames"/> frames; a track looked for and not
/// found counts a miss, and a confirmed one ends after <see cref="TrackingOptions.LeaveAfterFrames"/> misses in a row.
/// A track outside the regions the detector scanned is not looked for: it keeps its place and counts no miss.
/// </summary>
/// <remarks>
/// What it does not do: no appearance model (two people crossing may swap ids), no re-identification after a track
/// ended (a person lost for longer than the misses allow comes back under a new id), no camera motion compensation.
/// </remarks>
internal sealed class ObjectTracker(TrackingOptions options)
{
    // How far a matched track moves towards its detection, and how much of a new velocity estimate is taken: smoothing
    // that keeps the detector's jitter out of the feet position that zones and lines use.
    private const double PositionGain = 0.7;
    private const double VelocityGain = 0.5;
    // Longer gaps than this say nothing about velocity (a stalled camera, a restart): the track only re-anchors.
    private static readonly TimeSpan MaxPredictionGap = TimeSpan.FromSeconds(2);

    private readonly List<Track> _tracks = [];
    private long _lastId;

    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>
    /// Takes one frame's <paramref name="detections"/>; <paramref name="scanned"/> is where the detector looked (null:
    /// everywhere). Returns the tracks confirmed with this frame and those that ended.
    /// </summary>
    public TrackerStep Update(IReadOnlyList<Detection> detections, IReadOnlyList<Detection>? scanned, DateTimeOffset time)
    {
        var predicted = _tracks.Select(track => track.PredictAt(time, MaxPredictionGap)).ToArray();
        var pairs = new List<(double Cost, int Track, int Detection)>();
        for (var t = 0; t < _tracks.Count; t++)
        {
            for (var d = 0; d < detections.Count; d++)
            {
                if (MatchCost(predicted[t], Box.Of(detections[d])) is { } cost)
                {
                    pairs.Add((cost, t, d));
                }
            }
        }
        pairs.Sort((a, b) => a.Cost.CompareTo(b.Cost));

        var trackTaken = new bool[_tracks.Count];
        var detectionTaken = new bool[detections.Count];
        var confirmed = new List<Track>();
        foreach (var (_, t, d) in pairs)
        {
            if (trackTaken[t] || detectionTaken[d])
            {
                continue;
            }
            trackTaken[t] = detectionTaken[d] = true;
            var track = _tracks[t];
            track.Observe(Box.Of(detections[d]), detections[d].Score, predicted[t], time, PositionGain, VelocityGain, MaxPredictionGap);
            if (!track.Confirmed && track.Hits >= options.AppearAfterFrames)
            {
                track.Confirmed = true;
                confirmed.Add(track);
            }
        }

        var ended = new List<Track>();
        for (var t = _tracks.Count - 1; t >= 0; t--)
        {
            if (trackTaken[t])
            {
                continue;
            }
            var track = _tracks[t];
            if (scanned is not null && !scanned.Any(region => Box.Of(region).Contains(predicted[t].CenterX, predicted[t].CenterY)))
            {
                // Not looked for (no motion there): it stays where it was, and has stopped moving.
                track.Hold(time);
                continue;
            }
            track.Miss(predicted[t], time);
            if (!track.Confirmed || track.Misses >= options.LeaveAfterFrames)
            {
                // A tentative track missed once was most likely a false detection; it ends without a word.
                if (track.Confirmed)
                {
                    ended.Add(track);
                }
                _tracks.RemoveAt(t);
            }
        }

        for (var d = 0; d < detections.Count && _tracks.Count < options.MaxTracks; d++)
        {
            if (detectionTaken[d])
            {
                continue;
            }
            var track = new Track(++_lastId, Box.Of(detections[d]), detections[d].Score, time);
            _tracks.Add(track);
            if (options.AppearAfterFrames <= 1)
            {
                track.Confirmed = true;
                confirmed.Add(track);
            }
        }
        return new TrackerStep(confirmed, ended);
    }

    private double? MatchCost(Box predicted, Box detection)
    {
        var overlap = predicted.Overlap(detection);
        if (overlap >= options.MinOverlap)
        {
            return 1 - overlap;
        }
        // Not overlapping enough: the same object only if it is about as big and near where the track was heading.
        var sizeRatio = detection.Height / Math.Max(1, predicted.Height);
        if (sizeRatio is < 0.67 or > 1.5)
        {
            return null;
        }
        var height = Math.Max(predicted.Height, detection.Height);
        var distance = Math.Sqrt(Math.Pow(predicted.CenterX - detection.CenterX, 2) + Math.Pow(predicted.CenterY - detection.CenterY, 2));
        return distance <= options.MaxJump * height ? 1 + (distance / height) : null;
    }
}

/// <summary>What one frame changed: tracks confirmed with it, confirmed tracks it ended.</summary>
internal sealed record TrackerStep(IReadOnlyList<Track> Confirmed, IReadOnlyList<Track> Ended);

/// <summary>One followed object: its smoothed box and velocity (pixels per second), hits and misses.</summary>
internal sealed class Track(long id, Box box, double score, DateTimeOffset time)
{
    public long Id { get; } = id;

    public Box Box { get; private set; } = box;

    public double Score { get; private set; } = score;

    public DateTimeOffset FirstSeen { get; } = time;

    public DateTimeOffset LastUpdated { get; private set; } = time;

    public int Hits { get; private set; } = 1;

    public int Misses { get; private set; }

    public bool Confirmed { get; set; }

    private double _velocityX;
    private double _velocityY;

    public Box PredictAt(DateTimeOffset time, TimeSpan maxGap)
    {
        var seconds = Math.Clamp((time - LastUpdated).TotalSeconds, 0, maxGap.TotalSeconds);
        return Box.MovedBy(_velocityX * seconds, _velocityY * seconds);
    }

    public void Observe(Box detected, double score, Box predicted, DateTimeOffset time, double positionGain, double velocityGain,
        TimeSpan maxGap)
    {
        var seconds = (time - LastUpdated).TotalSeconds;
        var smoothed = new Box(
            predicted.X + (positionGain * (detected.X - predicted.X)),
            predicted.Y + (positionGain * (detected.Y - predicted.Y)),
            predicted.Width + (positionGain * (detected.Width - predicted.Width)),
            predicted.Height + (positionGain * (detected.Height - predicted.Height)));
        if (seconds > 0 && seconds <= maxGap.TotalSeconds)
        {
            _velocityX += velocityGain * (((smoothed.CenterX - Box.CenterX) / seconds) - _velocityX);
            _velocityY += velocityGain * (((smoothed.CenterY - Box.CenterY) / seconds) - _velocityY);
        }
        else
        {
            _velocityX = _velocityY = 0;
        }
        Box = smoothed;
        Score = score;
        LastUpdated = time;
        Hits++;
        Misses = 0;
    }

    /// <summary>Looked for and not found: it coasts on its velocity.</summary>
    public void Miss(Box predicted, DateTimeOffset time)
    {
        Box = predicted;
        LastUpdated = time;
        Misses++;
    }

    /// <summary>Not looked for: it keeps its place and is taken to stand still.</summary>
    public void Hold(DateTimeOffset time)
    {
        _velocityX = _velocityY = 0;
        LastUpdated = time;
    }
}
