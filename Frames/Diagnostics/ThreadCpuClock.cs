using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspirePipeline.Frames.Diagnostics;

/// <summary>
/// CPU time consumed by the calling thread, in nanoseconds. It lives in Frames because this is the one library both
/// the producer and the consumers already reference, and what it measures is the per-frame cost of the work done
/// there (encode, decode) and around it; a project of its own would be one more assembly for two small types.
/// </summary>
/// <remarks>
/// On Linux this is <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>: time the thread actually ran, so a section that
/// is preempted (two cores shared by camera, broker, producer and consumers) or blocks is not charged for the wait.
/// Elsewhere, or if that call is unavailable, it falls back to the monotonic wall clock, which counts waiting too;
/// <see cref="MeasuresThreadCpuTime"/> says which one is in use so reports can label their figures.
/// </remarks>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>True when readings are the thread's CPU time; false when they are wall-clock time (the fallback).</summary>
    public static bool MeasuresThreadCpuTime { get; } = ProbeThreadCpuClock();

    /// <summary>The name of the clock in use, for reports: <c>thread-cpu</c> or <c>wall</c>.</summary>
    public static string ClockName => MeasuresThreadCpuTime ? "thread-cpu" : "wall";

    /// <summary>
    /// A reading in nanoseconds; only differences between two readings on the same thread mean anything.
    /// </summary>
    public static long GetNanoseconds()
    {
        if (MeasuresThreadCpuTime && ClockGetTime(ClockThreadCpuTimeId, out var time) == 0)
        {
            return time.Seconds * NanosecondsPerSecond + time.Nanoseconds;
        }
        return WallNanoseconds();
    }

    private static long WallNanoseconds()
    {
        var ticks = Stopwatch.GetTimestamp();
        var frequency = Stopwatch.Frequency;
        // Split so the multiplication cannot overflow for any uptime.
        return ticks / frequency * NanosecondsPerSecond + ticks % frequency * NanosecondsPerSecond / frequency;
    }

    private static bool ProbeThreadCpuClock()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Linux <c>struct timespec</c>: <c>time_t</c> and <c>long</c>, both pointer-sized on the supported ABIs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);
}
