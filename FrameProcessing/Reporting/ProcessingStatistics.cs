using System.Collections.Concurrent;

namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>
/// Running figures of one consumer process, written by the pipeline threads and read by the summary log, the live
/// view, the health check and the metric gauges.
/// </summary>
public sealed class ProcessingStatistics(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, double> _latestValues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> _lags = new();
    private List<double> _windowLatencies = [];
    private List<double> _spareLatencies = [];
    private double _windowValueSum;
    private long _windowFrames;
    private long _windowStart = timeProvider.GetTimestamp();
    private long _framesProcessed;
    private long _poisonMessages;
    private long _skippedFrames;
    private long _missingFrames;
    private long _repeatedFrames;
    private long _otherCameraFrames;
    private long _sampledOutFrames;
    private int[] _assignedPartitions = [];
    private LastFrame? _lastFrame;
    private StatisticsSnapshot _snapshot = StatisticsSnapshot.Empty;
    private bool _hasJoinedGroup;
    private string? _fatalError;

    public long FramesProcessed => Interlocked.Read(ref _framesProcessed);
    public long PoisonMessages => Interlocked.Read(ref _poisonMessages);
    /// <summary>Frames passed over by skip-to-newest (<c>FrameProcessing:SkipToNewestWhenLagExceeds</c>).</summary>
    public long SkippedFrames => Interlocked.Read(ref _skippedFrames);

    /// <summary>
    /// Frames missing from the sequence of a camera as seen by this process: gaps that neither sampling nor
    /// skip-to-newest nor another member of the group explains (frames that never reached Kafka).
    /// </summary>
    public long MissingFrames => Interlocked.Read(ref _missingFrames);

    /// <summary>Frames whose sequence number this process had already passed.</summary>
    public long RepeatedFrames => Interlocked.Read(ref _repeatedFrames);

    /// <summary>Frames of cameras this group does not analyse (<c>FrameProcessing:Cameras</c>), passed over undecoded.</summary>
    public long OtherCameraFrames => Interlocked.Read(ref _otherCameraFrames);

    /// <summary>Frames left out by the group's rate (<c>FrameProcessing:Fps</c>), passed over undecoded.</summary>
    public long SampledOutFrames => Interlocked.Read(ref _sampledOutFrames);

    /// <summary>Set once the group coordinator has answered with an assignment (possibly empty).</summary>
    public bool HasJoinedGroup => Volatile.Read(ref _hasJoinedGroup);

    /// <summary>Set when the consume loop stopped because of an error rather than shutdown.</summary>
    public string? FatalError => Volatile.Read(ref _fatalError);

    public IReadOnlyList<int> AssignedPartitions => Volatile.Read(ref _assignedPartitions);

    public long TotalLag => _lags.Values.Sum();

    public StatisticsSnapshot Latest => Volatile.Read(ref _snapshot);

    public void RecordProcessed(string cameraId, long? sequence, double value, double? latencyMs)
    {
        _latestValues[cameraId] = value;
        Volatile.Write(ref _lastFrame, new LastFrame(cameraId, sequence, value));
        Interlocked.Increment(ref _framesProcessed);
        lock (_gate)
        {
            _windowFrames++;
            _windowValueSum += value;
            if (latencyMs is { } latency)
            {
                _windowLatencies.Add(latency);
            }
        }
    }

    public void RecordPoison() => Interlocked.Increment(ref _poisonMessages);

    public void RecordSkipped(long frames) => Interlocked.Add(ref _skippedFrames, frames);

    public void RecordMissing(long frames) => Interlocked.Add(ref _missingFrames, frames);

    public void RecordRepeated() => Interlocked.Increment(ref _repeatedFrames);

    public void RecordOtherCamera() => Interlocked.Increment(ref _otherCameraFrames);

    public void RecordSampledOut() => Interlocked.Increment(ref _sampledOutFrames);

    public void SetLag(int partition, long lag) => _lags[partition] = Math.Max(0, lag);

    public void SetAssignment(IEnumerable<int> partitions)
    {
        var assigned = partitions.Order().ToArray();
        foreach (var partition in _lags.Keys.Except(assigned))
        {
            _lags.TryRemove(partition, out _);
        }
        Volatile.Write(ref _assignedPartitions, assigned);
        Volatile.Write(ref _hasJoinedGroup, true);
    }

    public void SetFatalError(string error) => Volatile.Write(ref _fatalError, error);

    public IEnumerable<KeyValuePair<string, double>> LatestValues() => _latestValues;

    public IEnumerable<KeyValuePair<int, long>> PartitionLags() => _lags;

    /// <summary>Closes the current window (frames since the previous call) and publishes it as <see cref="Latest"/>.</summary>
    public StatisticsSnapshot TakeSnapshot()
    {
        List<double> latencies;
        long frames;
        double valueSum;
        long start;
        var now = timeProvider.GetTimestamp();
        lock (_gate)
        {
            latencies = _windowLatencies;
            _windowLatencies = _spareLatencies;
            frames = _windowFrames;
            valueSum = _windowValueSum;
            start = _windowStart;
            _windowFrames = 0;
            _windowValueSum = 0;
            _windowStart = now;
        }

        latencies.Sort();
        var elapsed = timeProvider.GetElapsedTime(start, now).TotalSeconds;
        var last = Volatile.Read(ref _lastFrame);
        var snapshot = new StatisticsSnapshot(
            FramesInWindow: frames,
            FramesPerSecond: elapsed > 0 ? frames / elapsed : 0,
            MeanValue: frames > 0 ? valueSum / frames : null,
            LatencyP50Ms: latencies.Count > 0 ? latencies[latencies.Count / 2] : null,
            LatencyMaxMs: latencies.Count > 0 ? latencies[^1] : null,
            Lag: TotalLag,
            FramesProcessed: FramesProcessed,
            PoisonMessages: PoisonMessages,
            SkippedFrames: SkippedFrames,
            MissingFrames: MissingFrames,
            RepeatedFrames: RepeatedFrames,
            OtherCameraFrames: OtherCameraFrames,
            SampledOutFrames: SampledOutFrames,
            LastCamera: last?.CameraId,
            LastSequence: last?.Sequence,
            LastValue: last?.Value,
            AssignedPartitions: AssignedPartitions);
        latencies.Clear();
        lock (_gate)
        {
            _spareLatencies = latencies;
        }
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    private sealed record LastFrame(string CameraId, long? Sequence, double Value);
}

/// <summary>One summary window's figures plus running totals, as logged each interval and served at <c>/stats</c>.</summary>
public sealed record StatisticsSnapshot(
    long FramesInWindow,
    double FramesPerSecond,
    double? MeanValue,
    double? LatencyP50Ms,
    double? LatencyMaxMs,
    long Lag,
    long FramesProcessed,
    long PoisonMessages,
    long SkippedFrames,
    long MissingFrames,
    long RepeatedFrames,
    long OtherCameraFrames,
    long SampledOutFrames,
    string? LastCamera,
    long? LastSequence,
    double? LastValue,
    IReadOnlyList<int> AssignedPartitions)
{
    public static StatisticsSnapshot Empty { get; } = new(0, 0, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, []);
}
