using System.Diagnostics;

namespace AspirePipeline.Bench;

/// <summary>Sequential write bandwidth of the data directory's disk, measured with dd (MB/s, 10^6 bytes).</summary>
internal static class DiskCeiling
{
    public static double Measure(string directory, int megabytes, bool sync)
    {
        var file = Path.Combine(directory, "dd-ceiling.bin");
        var start = new ProcessStartInfo("dd") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("if=/dev/zero");
        start.ArgumentList.Add($"of={file}");
        start.ArgumentList.Add("bs=1M");
        start.ArgumentList.Add($"count={megabytes * 1_000_000 / (1024 * 1024)}");
        if (sync)
        {
            start.ArgumentList.Add("conv=fdatasync");
        }

        var watch = Stopwatch.StartNew();
        using (var dd = Process.Start(start)!)
        {
            dd.StandardError.ReadToEnd();
            dd.WaitForExit();
            if (dd.ExitCode != 0)
            {
                throw new InvalidOperationException($"dd failed with exit code {dd.ExitCode}");
            }
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var bytes = new FileInfo(file).Length;
        File.Delete(file);
        return bytes / seconds / 1e6;
    }
}
