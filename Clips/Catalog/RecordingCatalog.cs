using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Catalog;

/// <summary>
/// Which cameras the video topic holds and from when to when, as <see cref="RecordingCatalogService"/> reads it (from
/// the topic's start, then following it, trimmed to what retention keeps). Thread-safe.
/// </summary>
internal sealed class RecordingCatalog(IOptions<ClipsOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<int, CameraTrack>> _cameras = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _codecs = new(StringComparer.Ordinal);
    private readonly SortedSet<int> _partitions = [];
    private readonly SortedSet<int> _behind = [];
    private long _messages;
    private string? _problem;

    public void Add(string camera, int partition, long offset, long timestampMs, bool keyframe, string? codec)
    {
        lock (_gate)
        {
            _messages++;
            if (!_cameras.TryGetValue(camera, out var tracks))
            {
                if (!keyframe)
                {
                    return;
                }
                _cameras[camera] = tracks = [];
            }
            if (!tracks.TryGetValue(partition, out var track))
            {
                if (!keyframe)
                {
                    return;
                }
                tracks[partition] = track = new CameraTrack();
            }
            if (keyframe)
            {
                track.AddKeyframe(offset, timestampMs);
                if (codec is not null)
                {
                    _codecs[camera] = codec;
                }
            }
            else
            {
                track.Add(offset, timestampMs);
            }
        }
    }

    /// <summary>Forgets what retention deleted from <paramref name="partition"/>.</summary>
    public void Trim(int partition, long lowWatermark)
    {
        lock (_gate)
        {
            foreach (var (camera, tracks) in _cameras.ToList())
            {
                if (!tracks.TryGetValue(partition, out var track))
                {
                    continue;
                }
                track.Trim(lowWatermark);
                if (track.IsEmpty)
                {
                    tracks.Remove(partition);
                }
                if (tracks.Count == 0)
                {
                    _cameras.Remove(camera);
                }
            }
        }
    }

    public void Assigned(int partition)
    {
        lock (_gate)
        {
            if (_partitions.Add(partition))
            {
                _behind.Add(partition);
            }
        }
    }

    public void ReachedEnd(int partition)
    {
        lock (_gate)
        {
            _behind.Remove(partition);
        }
    }

    public void SetProblem(string? problem)
    {
        lock (_gate)
        {
            _problem = problem;
        }
    }

    /// <summary>Every recorded camera, by id.</summary>
    public IReadOnlyList<RecordedCamera> Cameras()
    {
        lock (_gate)
        {
            return [.. _cameras.Keys.Order(StringComparer.Ordinal).Select(Describe)];
        }
    }

    public RecordedCamera? Find(string camera)
    {
        lock (_gate)
        {
            return _cameras.ContainsKey(camera) ? Describe(camera) : null;
        }
    }

    public CatalogStatus Status()
    {
        lock (_gate)
        {
            return new CatalogStatus(options.Value.VideoTopic, [.. _partitions], [.. _behind], _messages, _problem);
        }
    }

    private RecordedCamera Describe(string camera)
    {
        var tracks = _cameras[camera];
        return new RecordedCamera(camera, _codecs.GetValueOrDefault(camera),
            DateTimeOffset.FromUnixTimeMilliseconds(tracks.Values.Min(track => track.FirstTimestampMs)),
            DateTimeOffset.FromUnixTimeMilliseconds(tracks.Values.Max(track => track.LastTimestampMs)),
            [.. tracks.Keys.Order()]);
    }
}
