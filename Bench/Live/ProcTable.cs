using System.Globalization;
using System.Runtime.InteropServices;
using AspirePipeline.Bench.Pipeline;

namespace AspirePipeline.Bench.Live;

/// <summary>
/// The machine's processes as Linux's /proc shows them: parents, command lines, environments, start times. Enough to
/// find the services an AppHost started (Aspire's orchestrator, DCP, starts them, not the AppHost) and to tell that
/// every one of them is gone afterwards.
/// </summary>
internal static class ProcTable
{
    private const int Sigterm = 15;

    /// <summary>A process as seen once: its id with its start time (ids are reused), and its command line.</summary>
    public readonly record struct Seen(int Pid, long StartTicks, string CommandLine)
    {
        /// <summary>Still the same process, and not a zombie waiting to be reaped.</summary>
        public bool IsRunning => Stat(Pid) is { } stat && stat.StartTicks == StartTicks && stat.State != 'Z';

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid} ({CommandLine})");
    }

    /// <summary>Every living process and its parent, from one pass over /proc.</summary>
    public static IReadOnlyDictionary<int, int> Parents()
    {
        var parents = new Dictionary<int, int>();
        foreach (var pid in Pids())
        {
            if (Stat(pid) is { } stat)
            {
                parents[pid] = stat.ParentPid;
            }
        }
        return parents;
    }

    /// <summary>The children of <paramref name="pid"/>, their children and so on (not <paramref name="pid"/> itself).</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = Parents().GroupBy(pair => pair.Value).ToDictionary(group => group.Key, group => group.Select(pair => pair.Key).ToList());
        var found = new List<int>();
        var next = new Queue<int>([pid]);
        while (next.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                found.Add(child);
                next.Enqueue(child);
            }
        }
        return found;
    }

    /// <summary>The process's arguments (<c>argv</c>), empty when it is gone or unreadable.</summary>
    public static IReadOnlyList<string> Arguments(int pid) =>
        ReadNulSeparated($"/proc/{pid}/cmdline") ?? [];

    /// <summary>The environment the process started with, or null when it is gone or unreadable.</summary>
    public static IReadOnlyDictionary<string, string>? Environment(int pid)
    {
        var entries = ReadNulSeparated($"/proc/{pid}/environ");
        if (entries is null)
        {
            return null;
        }
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[entry[..equals]] = entry[(equals + 1)..];
            }
        }
        return environment;
    }

    /// <summary>The process now, for <see cref="Seen.IsRunning"/> later; null when it is gone.</summary>
    public static Seen? See(int pid) => Stat(pid) is { } stat && stat.State != 'Z'
        ? new Seen(pid, stat.StartTicks, string.Join(' ', Arguments(pid)))
        : null;

    /// <summary>SIGTERM (a graceful shutdown, as Ctrl+C or a service manager asks); false when the process is gone.</summary>
    public static bool Terminate(int pid) => SendSignal(pid, Sigterm) == 0;

    /// <summary>SIGKILL, for what a graceful shutdown left behind.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone in the meantime.
        }
    }

    private static IEnumerable<int> Pids()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static (char State, int ParentPid, long StartTicks)? Stat(int pid)
    {
        // State is field 3, the parent field 4, the start time (clock ticks after boot) field 22 of stat(5).
        if (ProcFs.StatFields($"/proc/{pid}/stat") is not { Fields: var fields })
        {
            return null;
        }
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    private static string[]? ReadNulSeparated(string path)
    {
        try
        {
            return File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
