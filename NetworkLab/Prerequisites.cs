namespace AspirePipeline.NetworkLab;

/// <summary>What the lab cannot do without, checked before anything is made, each with what to do about it.</summary>
internal static class Prerequisites
{
    // The camera simulator's interpreter, Debian's: its GStreamer bindings are Debian packages.
    private const string Python = "/usr/bin/python3";

    /// <summary>Why the lab cannot run here, or null.</summary>
    public static string? Missing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "The network lab needs Linux: its hosts are network namespaces.";
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return "The network lab makes network namespaces, links and iptables rules: run it as root (sudo scripts/network-lab.sh).";
        }
        var absent = new[] { "ip", "iptables" }.Where(program => !OnPath(program)).ToList();
        if (absent.Count > 0)
        {
            return $"'{string.Join("' and '", absent)}' not found: install Debian's iproute2 and iptables (scripts/prerequisites.sh --tests).";
        }
        return File.Exists(Python)
            ? null
            : $"{Python} not found: the camera simulator needs Debian's python3 with GStreamer (scripts/prerequisites.sh).";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/sbin")
            .Any(directory => File.Exists(Path.Combine(directory, program)));
}
