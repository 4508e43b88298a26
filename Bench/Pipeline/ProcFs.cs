using System.Globalization;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>
/// CPU time and memory of processes and their threads, read from Linux's /proc: the benchmark measures the services
/// from outside, as a process accountant would, so the numbers include everything (runtime, GC, Kafka client threads).
/// </summary>
internal static class ProcFs
{
    // USER_HZ: the unit of /proc's CPU times. 100 on every Linux the project runs on (getconf CLK_TCK).
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU seconds of a whole process (all its threads, living and exited), or null when it is gone.</summary>
    public static double? ProcessCpuSeconds(int pid) => CpuSeconds($"/proc/{pid}/stat");

    /// <summary>CPU seconds per thread name (threads sharing a name, e.g. <c>.NET TP Worker</c>, are summed).</summary>
    public static IReadOnlyDictionary<string, double> ThreadCpuSeconds(int pid)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return byName;
        }
        foreach (var task in tasks)
        {
            var seconds = CpuSeconds(Path.Combine(task, "stat"));
            var name = ReadTrimmed(Path.Combine(task, "comm"));
            if (seconds is { } cpu && name is not null)
            {
                byName[name] = byName.GetValueOrDefault(name) + cpu;
            }
        }
        return byName;
    }

    /// <summary>Direct children of a process (e.g. the ffmpeg a producer started).</summary>
    public static IReadOnlyList<(int Pid, string Name)> Children(int parentPid)
    {
        var children = new List<(int, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            var fields = StatFields(Path.Combine(directory, "stat"));
            // Field 4 (index 1 after the command) is the parent pid.
            if (fields is not null && int.Parse(fields.Value.Fields[1], CultureInfo.InvariantCulture) == parentPid)
            {
                children.Add((pid, fields.Value.Command));
            }
        }
        return children;
    }

    /// <summary>
    /// Nanoseconds each living thread of a process has spent runnable but waiting for a CPU, by thread id (the second
    /// field of each <c>/proc/PID/task/TID/schedstat</c>): time a process wanted to run and the machine had no core for
    /// it. Kept per thread because a thread that exits takes its figure with it: a sum over the living threads can
    /// fall between two readings, a difference per thread cannot.
    /// </summary>
    public static IReadOnlyDictionary<int, long> RunQueueWaitByThread(int pid)
    {
        var waits = new Dictionary<int, long>();
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return waits;
        }
        foreach (var task in tasks)
        {
            var fields = ReadTrimmed(Path.Combine(task, "schedstat"))?.Split(' ');
            if (fields is { Length: >= 2 } && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var waited)
                && int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid))
            {
                waits[tid] = waited;
            }
        }
        return waits;
    }

    /// <summary>
    /// Seconds of run-queue wait between two <see cref="RunQueueWaitByThread"/> readings: each thread living at the
    /// second, less what it had at the first (nothing for a thread started since). A thread that exited in between
    /// is left out, so the figure may be short by its wait but is never negative.
    /// </summary>
    public static double RunQueueWaitSecondsBetween(IReadOnlyDictionary<int, long> first, IReadOnlyDictionary<int, long> second) =>
        second.Sum(thread => Math.Max(0, thread.Value - first.GetValueOrDefault(thread.Key))) / 1e9;

    /// <summary>
    /// The whole machine's CPU seconds from <c>/proc/stat</c>, summed over cores: busy (user, nice, system, irq,
    /// softirq, steal) and in all (busy plus idle and iowait).
    /// </summary>
    public static (double Busy, double Total) MachineCpuSeconds()
    {
        var fields = File.ReadLines("/proc/stat").First(line => line.StartsWith("cpu ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return (busy / TicksPerSecond, (busy + fields[3] + fields[4]) / TicksPerSecond);
    }

    /// <summary>Peak resident set size (VmHWM) in bytes, or null when the process is gone.</summary>
    public static long? PeakResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double? CpuSeconds(string statPath)
    {
        var fields = StatFields(statPath);
        if (fields is null)
        {
            return null;
        }
        // utime and stime are fields 14 and 15 of stat(5): indices 11 and 12 after "pid (comm)".
        var rest = fields.Value.Fields;
        return (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>
    /// A <c>stat</c> file of proc(5) split: the command, and the fields after it (<c>Fields[0]</c> is field 3, the
    /// state); null when the process is gone.
    /// </summary>
    internal static (string Command, string[] Fields)? StatFields(string statPath)
    {
        var text = ReadTrimmed(statPath);
        if (text is null)
        {
            return null;
        }
        // The command is in parentheses and may itself contain spaces and parentheses: split at the last ')'.
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        return (text[(open + 1)..close], text[(close + 2)..].Split(' '));
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd('\n');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
