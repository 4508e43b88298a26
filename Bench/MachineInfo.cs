using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspirePipeline.Bench;

internal static class MachineInfo
{
    public static string Describe(string dataDirectory)
    {
        var cpu = File.ReadLines("/proc/cpuinfo")
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memoryKb = File.ReadLines("/proc/meminfo")
            .First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return $"{cpu}, {Environment.ProcessorCount} cores, {long.Parse(memoryKb) / 1024 / 1024} GiB, {RuntimeInformation.OSDescription}, " +
            $".NET {Environment.Version}, data on {FileSystemOf(dataDirectory)}";
    }

    private static string FileSystemOf(string directory)
    {
        var start = new ProcessStartInfo("df") { RedirectStandardOutput = true };
        start.ArgumentList.Add("--output=source,fstype");
        start.ArgumentList.Add(directory);
        using var df = Process.Start(start)!;
        var lines = df.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        df.WaitForExit();
        return lines.Length > 1 ? string.Join(' ', lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)) : "unknown filesystem";
    }
}
