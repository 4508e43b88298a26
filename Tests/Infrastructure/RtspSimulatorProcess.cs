using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>
/// The real camera simulator (<c>CameraSimulator/rtsp_simulator.py</c>, GStreamer's RTSP server) as a child process:
/// ready once it printed its URL, killed on dispose. <see cref="KillAsync"/> and <see cref="StartAgainAsync"/> (same
/// port) simulate a camera that drops off the network and comes back.
/// </summary>
public sealed partial class RtspSimulatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly int _width;
    private readonly int _height;
    private readonly int _fps;
    private readonly string? _video;
    private readonly string? _codec;
    private readonly Queue<string> _output = new();
    private Process? _process;

    private RtspSimulatorProcess(int width, int height, int fps, string? video, string? codec)
    {
        _codec = codec;
        _width = width;
        _height = height;
        _fps = fps;
        _video = video;
    }

    public int Port { get; private set; }


    /// <summary>The stream URL the simulator printed, e.g. <c>rtsp://127.0.0.1:41547/camera</c>.</summary>
    public string Url { get; private set; } = "";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static string ScriptPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, "CameraSimulator", "rtsp_simulator.py");
                if (File.Exists(script))
                {
                    return script;
                }
            }
            throw new FileNotFoundException("CameraSimulator/rtsp_simulator.py not found above the test output directory.");
        }
    }

    /// <param name="video">A video file to serve looped (<c>--video</c>) instead of the test pattern; it keeps its own size and rate.</param>
    /// <param name="codec"><c>--codec</c>: <c>mjpeg</c> for a Motion JPEG camera (the simulator's default is H.264).</param>
    public static async Task<RtspSimulatorProcess> StartAsync(int width = 640, int height = 360, int fps = 15,
        string? video = null, string? codec = null)
    {
        var simulator = new RtspSimulatorProcess(width, height, fps, video, codec);
        try
        {
            await simulator.LaunchAsync(port: 0);
            return simulator;
        }
        catch
        {
            await simulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a camera losing power would; waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Starts the simulator again on the port it had, as the same camera coming back.</summary>
    public Task StartAgainAsync() => LaunchAsync(Port);

    private async Task LaunchAsync(int port)
    {
        _process?.Dispose();
        // Debian's interpreter: the GStreamer bindings are apt packages, invisible to a pyenv python3 on PATH.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-u", ScriptPath, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--width", _width.ToString(CultureInfo.InvariantCulture), "--height", _height.ToString(CultureInfo.InvariantCulture),
            "--fps", _fps.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }
        if (_codec is not null)
        {
            start.ArgumentList.Add("--codec");
            start.ArgumentList.Add(_codec);
        }
        if (_video is not null)
        {
            start.ArgumentList.Add("--video");
            start.ArgumentList.Add(_video);
        }

        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            Remember(e.Data);
            if (ReadyLine().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(match.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Remember(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The RTSP simulator exited before it was ready.\n{Output}"));
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Url = await ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            throw new TimeoutException($"The RTSP simulator did not print its ready line within {StartTimeout}.\n{Output}");
        }
        Port = new Uri(Url).Port;
    }

    private void Remember(string line)
    {
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    [GeneratedRegex(@"rtsp simulator ready (rtsp://\S+)")]
    private static partial Regex ReadyLine();
}
