using System.Globalization;

namespace AspirePipeline.Tests.Reliability;

/// <summary>Reads CPU time, resident memory and open descriptors of a process from Linux's /proc.</summary>
internal static class ProcStat
{
    // USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may contain spaces) start at field 3; utime is 14, cstime 17.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = Enumerable.Range(11, 4).Sum(index => long.Parse(fields[index], CultureInfo.InvariantCulture));
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>CPU time so far of each running child of <paramref name="parentPid"/>, by pid.</summary>
    public static Dictionary<int, TimeSpan> ChildrenCpuTimes(int parentPid)
    {
        var children = new Dictionary<int, TimeSpan>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parentPid)
                {
                    children[pid] = CpuTime(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while the list was read.
            }
        }
        return children;
    }

    /// <summary>
    /// CPU time a process used between two readings, its reaped children included: a child's whole life is added to
    /// the parent when it is reaped, so what reaped children had used before the first reading is taken off.
    /// </summary>
    public static TimeSpan CpuTimeSince(int pid, TimeSpan before, Dictionary<int, TimeSpan> childrenBefore)
    {
        var usedBeforeByReaped = childrenBefore.Where(child => !Directory.Exists($"/proc/{child.Key}"))
            .Aggregate(TimeSpan.Zero, (sum, child) => sum + child.Value);
        return CpuTime(pid) - before - usedBeforeByReaped;
    }

    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public static int OpenHandles(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
}
