using Perfolizer.Horology;
using ThreadCpuClock = AspirePipeline.Frames.Diagnostics.ThreadCpuClock;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// The services' own per-stage clock (<see cref="ThreadCpuClock"/>: the calling thread's CPU time) as a
/// BenchmarkDotNet clock, so the floor and the pipeline's stage CPU are measured alike. In-process, the engine reads
/// it on the thread that runs the workload.
/// </summary>
internal sealed class ThreadCpuBenchmarkClock : IClock
{
    public static readonly ThreadCpuBenchmarkClock Instance = new();

    private ThreadCpuBenchmarkClock()
    {
    }

    public string Title => "thread CPU time";

    public bool IsAvailable => ThreadCpuClock.MeasuresThreadCpuTime;

    public Frequency Frequency { get; } = new(1_000_000_000);

    public long GetTimestamp() => ThreadCpuClock.GetNanoseconds();

    public static TimeSpan Now() => TimeSpan.FromTicks(ThreadCpuClock.GetNanoseconds() / 100);

    /// <summary>Fails when the platform has no thread CPU clock: the floor would silently become wall time.</summary>
    public static void EnsureAvailable()
    {
        if (!ThreadCpuClock.MeasuresThreadCpuTime)
        {
            throw new PlatformNotSupportedException(
                "The CPU floor needs the thread CPU clock (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)); it is not available here.");
        }
    }
}
