using System.Globalization;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// The RTSP server the benchmark's cameras come from: the project's simulator serving a recorded clip as it is
/// (<c>--clip</c>: looped, paced at the frame rate, no decode or encode), once per camera (<c>--mounts</c>): each its
/// own stream, started when its reader connects, so the cameras' frames are not in step (one shared mount would hand
/// every reader the same frame at the same instant). Its CPU is the cameras', reported apart.
/// </summary>
internal sealed class ClipCameraServer : IAsyncDisposable
{
    private const string ReadyPrefix = "rtsp simulator ready ";

    private readonly ChildProcess _process;

    private ClipCameraServer(ChildProcess process, string url, int cameras)
    {
        _process = process;
        // The simulator serves its path, then path2 .. pathN.
        Urls = [.. Enumerable.Range(1, cameras).Select(camera => camera == 1 ? url : url + camera.ToString(CultureInfo.InvariantCulture))];
    }

    /// <summary>One stream per camera.</summary>
    public IReadOnlyList<string> Urls { get; }

    public int Pid => _process.Pid;

    public static async Task<ClipCameraServer> StartAsync(string repoRoot, string clip, int fps, int cameras)
    {
        var script = Path.Combine(repoRoot, "CameraSimulator", "rtsp_simulator.py");
        // Debian's interpreter: the GStreamer bindings (gi) are Debian packages, not pip ones.
        var process = ChildProcess.Start("camera server", "/usr/bin/python3",
            [script, "--port", "0", "--clip", clip, "--fps", fps.ToString(CultureInfo.InvariantCulture),
             "--mounts", cameras.ToString(CultureInfo.InvariantCulture)]);
        try
        {
            var ready = await process.WaitForLineAsync(line => line.StartsWith(ReadyPrefix, StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), "its ready line (install GStreamer with scripts/prerequisites.sh if it is missing)");
            return new ClipCameraServer(process, ready[ReadyPrefix.Length..].Trim(), cameras);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
