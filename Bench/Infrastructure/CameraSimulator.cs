namespace AspirePipeline.Bench.Infrastructure;

/// <summary>
/// The project's RTSP camera simulator (GStreamer, <c>CameraSimulator/rtsp_simulator.py</c>) at a given size and rate.
/// Its CPU is the camera's, not the pipeline's: reports leave it out.
/// </summary>
internal sealed class CameraSimulator : IAsyncDisposable
{
    private const string ReadyPrefix = "rtsp simulator ready ";

    private readonly ChildProcess _process;

    private CameraSimulator(ChildProcess process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The stream's URL as the simulator printed it, e.g. <c>rtsp://127.0.0.1:40123/camera</c>.</summary>
    public string Url { get; }

    public int Pid => _process.Pid;

    public static async Task<CameraSimulator> StartAsync(string repoRoot, int width, int height, int fps)
    {
        var script = Path.Combine(repoRoot, "CameraSimulator", "rtsp_simulator.py");
        // Debian's interpreter: the GStreamer bindings (gi) are Debian packages, not pip ones.
        var process = ChildProcess.Start("camera simulator", "/usr/bin/python3",
            [script, "--port", "0", "--width", Invariant(width), "--height", Invariant(height), "--fps", Invariant(fps)]);
        try
        {
            var ready = await process.WaitForLineAsync(line => line.StartsWith(ReadyPrefix, StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "its ready line (install GStreamer with scripts/prerequisites.sh if it is missing)");
            return new CameraSimulator(process, ready[ReadyPrefix.Length..].Trim());
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
