using System.Globalization;
using AspirePipeline.TestSupport;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// The repository's RTSP camera simulator (<c>CameraSimulator/rtsp_simulator.py</c>, GStreamer) serving its test
/// pattern from a host of the network, on the host's address: every camera of the producer reads this one stream.
/// </summary>
internal sealed class CameraSimulator : IAsyncDisposable
{
    public const int Port = 8554;
    public const int Width = 320;
    public const int Height = 180;
    public const int Fps = 10;
    private const string ReadyPrefix = "rtsp simulator ready ";
    // Debian's interpreter: the GStreamer bindings (gi) are Debian packages, invisible to a pyenv python3 on PATH.
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _process;

    private CameraSimulator(ChildProcess process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The stream as the simulator printed it, e.g. <c>rtsp://198.18.7.2:8554/camera</c>.</summary>
    public string Url { get; }

    public static async Task<CameraSimulator> StartAsync(NetworkHost host)
    {
        var script = Path.Combine(RepoLayout.Root, "CameraSimulator", "rtsp_simulator.py");
        var (program, arguments) = host.Wrap(Python, ["-u", script, "--bind", host.Address, "--port", Invariant(Port),
            "--width", Invariant(Width), "--height", Invariant(Height), "--fps", Invariant(Fps)]);
        var process = ChildProcess.Start("the camera simulator", program, arguments);
        try
        {
            var ready = await process.WaitForLineAsync(line => line.StartsWith(ReadyPrefix, StringComparison.Ordinal), StartTimeout,
                "its ready line (the simulator needs python3 with GStreamer's RTSP server: scripts/prerequisites.sh installs them)");
            return new CameraSimulator(process, ready[ReadyPrefix.Length..].Trim());
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>What it printed so far, then each new line, handed to <paramref name="onLine"/> until the handle is disposed.</summary>
    public IDisposable Follow(Action<string> onLine) => _process.Follow(onLine);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
