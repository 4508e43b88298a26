using System.Globalization;
using AspirePipeline.Bench.Pipeline;

namespace AspirePipeline.Bench.Cameras;

/// <summary>The producer's CPU split into its own and its ffmpeg children's (living ones plus those it already reaped).</summary>
internal readonly record struct ProducerSideCpu(double OwnSeconds, double FfmpegSeconds)
{
    public static ProducerSideCpu operator -(ProducerSideCpu end, ProducerSideCpu start) =>
        new(end.OwnSeconds - start.OwnSeconds, end.FfmpegSeconds - start.FfmpegSeconds);
}

/// <summary>CPU of process trees from /proc: a process, its living children and the children it has waited for.</summary>
internal static class ProcessTreeCpu
{
    private const double TicksPerSecond = 100;

    public static ProducerSideCpu ProducerSide(int producerPid)
    {
        var own = ProcFs.ProcessCpuSeconds(producerPid) ?? throw new InvalidOperationException($"the producer ({producerPid}) is gone");
        // A camera's ffmpeg that was replaced (reconnect) keeps counting: the producer reaped it into cutime/cstime.
        var children = ProcFs.Children(producerPid).Where(child => child.Name == "ffmpeg")
            .Sum(child => ProcFs.ProcessCpuSeconds(child.Pid) ?? 0);
        return new ProducerSideCpu(own, children + ReapedChildrenSeconds(producerPid));
    }

    /// <summary>A process and all its living children (the camera server runs a worker under a supervisor).</summary>
    public static double WithChildren(int pid) =>
        (ProcFs.ProcessCpuSeconds(pid) ?? 0) + ReapedChildrenSeconds(pid)
        + ProcFs.Children(pid).Sum(child => ProcFs.ProcessCpuSeconds(child.Pid) ?? 0);

    private static double ReapedChildrenSeconds(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // cutime and cstime are fields 16 and 17 of stat(5): indices 13 and 14 after "pid (comm) ".
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
