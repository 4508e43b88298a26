namespace AspirePipeline.Frames.Diagnostics;

/// <summary>
/// Cumulative CPU time and frame count per named stage of a service (e.g. <c>encode</c>, <c>publish</c>), so users
/// and benchmarks can see where each frame's CPU goes. Thread-safe and allocation-free per frame: a section reads the
/// thread's CPU clock when it begins and adds the difference when it ends, so it must begin and end on one thread
/// (a synchronous piece of code, no <c>await</c> inside).
/// </summary>
public sealed class StageCpuAccounting
{
    private readonly CpuStage[] _stages;

    public StageCpuAccounting(params IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _stages = names.Select(name => new CpuStage(name)).ToArray();
        var duplicate = _stages.GroupBy(stage => stage.Name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Stage '{duplicate.Key}' is named twice; every stage needs its own name.", nameof(names));
        }
    }

    /// <summary>The stages in the order they were named.</summary>
    public IReadOnlyList<CpuStage> Stages => _stages;

    public CpuStage this[string name] =>
        Array.Find(_stages, stage => string.Equals(stage.Name, name, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException(
            $"No stage '{name}'; the stages are {string.Join(", ", _stages.Select(stage => stage.Name))}.");

    /// <summary>The current totals, for JSON reports.</summary>
    public IReadOnlyList<StageCpu> Snapshot() => Array.ConvertAll(_stages, stage => stage.Snapshot());
}

/// <summary>One stage: how many frames went through it and the CPU time they took there, both cumulative.</summary>
public sealed class CpuStage
{
    private long _frames;
    private long _cpuNanoseconds;

    internal CpuStage(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    public long Frames => Interlocked.Read(ref _frames);

    public long CpuNanoseconds => Interlocked.Read(ref _cpuNanoseconds);

    public double CpuSeconds => CpuNanoseconds / 1e9;

    public double CpuMilliseconds => CpuNanoseconds / 1e6;

    /// <summary>Starts measuring one frame's pass through this stage on the calling thread.</summary>
    public CpuSection Begin() => new(this, ThreadCpuClock.GetNanoseconds());

    /// <summary>Counts one frame that took <paramref name="cpuNanoseconds"/> here.</summary>
    public void Add(long cpuNanoseconds)
    {
        // A clock that went backwards (only possible with the wall-clock fallback across threads) must not subtract.
        Interlocked.Add(ref _cpuNanoseconds, Math.Max(0, cpuNanoseconds));
        Interlocked.Increment(ref _frames);
    }

    public StageCpu Snapshot()
    {
        var frames = Frames;
        var cpuMs = CpuMilliseconds;
        return new StageCpu(Name, frames, Math.Round(cpuMs, 3), frames == 0 ? 0 : Math.Round(cpuMs / frames, 4));
    }
}

/// <summary>
/// One frame's pass through a stage, begun by <see cref="CpuStage.Begin"/>. A section left by an exception is simply
/// not ended, so failed frames (dead-lettered, dropped) are not counted as frames of the stage.
/// </summary>
public readonly struct CpuSection
{
    private readonly CpuStage? _stage;
    private readonly long _startNanoseconds;

    internal CpuSection(CpuStage stage, long startNanoseconds)
    {
        _stage = stage;
        _startNanoseconds = startNanoseconds;
    }

    /// <summary>Adds the CPU time since the section began, and the frame, to the stage.</summary>
    public void End() => _stage?.Add(ThreadCpuClock.GetNanoseconds() - _startNanoseconds);

    /// <summary>
    /// Ends this section and begins one of <paramref name="next"/> at the same reading: consecutive stages leave no
    /// unmeasured gap and cost one clock read instead of two.
    /// </summary>
    public CpuSection Then(CpuStage next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var now = ThreadCpuClock.GetNanoseconds();
        _stage?.Add(now - _startNanoseconds);
        return new CpuSection(next, now);
    }
}

/// <summary>A stage's totals as <c>/stats</c> reports them: <c>{"name","frames","cpuMs","cpuMsPerFrame"}</c>.</summary>
public sealed record StageCpu(string Name, long Frames, double CpuMs, double CpuMsPerFrame);
