using System.Globalization;
using System.Text.RegularExpressions;
using AspirePipeline.Contracts.Scene;
using AspirePipeline.TestSupport.Network;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>
/// The real camera simulator (<c>CameraSimulator/rtsp_simulator.py</c>, GStreamer's RTSP server, or with
/// <c>serve: "http"</c> its HTTP Motion JPEG camera) as a child process: ready once it printed its URL, killed on
/// dispose. <see cref="KillAsync"/> and <see cref="StartAgainAsync"/> (same port) simulate a camera that drops off the
/// network and comes back.
/// </summary>
public sealed partial class CameraSimulatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private const int OutputLinesKept = 200;
    private readonly int _width;
    private readonly int _height;
    private readonly int _fps;
    private readonly string? _video;
    private readonly string? _codec;
    private readonly string? _clip;
    private readonly string? _serve;
    private readonly string? _credentials;
    private NetworkHost? _host;
    private ChildProcess? _process;

    private CameraSimulatorProcess(int width, int height, int fps, string? video, string? codec, string? clip, string? serve, string? credentials)
    {
        _serve = serve;
        _credentials = credentials;
        _codec = codec;
        _clip = clip;
        _width = width;
        _height = height;
        _fps = fps;
        _video = video;
    }

    /// <summary>
    /// Motion masks over the test pattern's three overlays, as a user masks a camera's timestamp: the frame counter
    /// (top left), the running time (bottom left) and the clock (bottom right). The simulator draws them in Sans at a
    /// twenty-fourth of the height, about a tenth of the height tall as rendered (seen on a 1280x720 frame: the counter
    /// at x 0.02-0.31, y 0.05-0.16; the time at x 0.02-0.40 and the clock at x 0.70-0.98, both at y 0.83-0.94); the
    /// masks leave room for longer numbers.
    /// </summary>
    /// <remarks>
    /// They are kept in <c>CameraSimulator/test-pattern-masks.json</c>, a camera entry's <c>MotionMasks</c> as a user
    /// copies it into <c>Cameras:{id}</c>, and read here through <see cref="SceneConfiguration"/>, as the AppHost reads them.
    /// </remarks>
    public static IReadOnlyList<SceneMask> OverlayMasks => LazyOverlayMasks.Value;

    private static readonly Lazy<IReadOnlyList<SceneMask>> LazyOverlayMasks = new(() =>
    {
        const string cameraId = "pattern";
        var file = Path.Combine(RepoLayout.Root, "CameraSimulator", "test-pattern-masks.json");
        var entry = new ConfigurationBuilder().AddJsonFile(file, optional: false).Build().AsEnumerable()
            .Where(pair => pair.Value is not null)
            .Select(pair => new KeyValuePair<string, string?>($"{cameraId}:{pair.Key}", pair.Value));
        var scene = SceneConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(entry).Build().GetSection(cameraId));
        return scene.MotionMasks;
    });

    public int Port { get; private set; }

    /// <summary>
    /// The stream URL the simulator printed, e.g. <c>rtsp://127.0.0.1:41547/camera</c> (<c>http://...</c> with
    /// <c>serve: "http"</c>).
    /// </summary>
    public string Url { get; private set; } = "";

    public string Output => _process?.OutputTail ?? "";

    public static string ScriptPath
    {
        get
        {
            var script = Path.Combine(RepoLayout.Root, "CameraSimulator", "rtsp_simulator.py");
            return File.Exists(script) ? script : throw new FileNotFoundException($"{script} not found.", script);
        }
    }

    /// <param name="width">Test pattern width.</param>
    /// <param name="height">Test pattern height.</param>
    /// <param name="fps">Test pattern frame rate.</param>
    /// <param name="video">A video file to serve looped (<c>--video</c>) instead of the test pattern; it keeps its own size and rate.</param>
    /// <param name="codec"><c>--codec</c>: <c>mjpeg</c> for a Motion JPEG camera (the simulator's default is H.264).</param>
    /// <param name="clip">A bare H.264, H.265 or Motion JPEG clip to send as it is, looped at <paramref name="fps"/> (<c>--clip</c>).</param>
    /// <param name="serve"><c>--serve</c>: <c>http</c> for an HTTP Motion JPEG camera (the simulator's default is RTSP).</param>
    /// <param name="credentials"><c>--credentials user:password</c> the HTTP camera asks for (Basic).</param>
    /// <param name="host">A test network's host to serve from, on its address (null: this machine's loopback).</param>
    public static async Task<CameraSimulatorProcess> StartAsync(int width = 640, int height = 360, int fps = 15,
        string? video = null, string? codec = null, string? clip = null, string? serve = null, string? credentials = null,
        NetworkHost? host = null)
    {
        var simulator = new CameraSimulatorProcess(width, height, fps, video, codec, clip, serve, credentials) { _host = host };
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
    public Task KillAsync()
    {
        _process?.Kill();
        return Task.CompletedTask;
    }

    /// <summary>Starts the simulator again on the port it had, as the same camera coming back.</summary>
    public Task StartAgainAsync() => LaunchAsync(Port);

    private async Task LaunchAsync(int port)
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        // Debian's interpreter: the GStreamer bindings are apt packages, invisible to a pyenv python3 on PATH.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        List<string> arguments =
        [
            "-u", ScriptPath, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", _host?.Address ?? "127.0.0.1",
            "--width", _width.ToString(CultureInfo.InvariantCulture), "--height", _height.ToString(CultureInfo.InvariantCulture),
            "--fps", _fps.ToString(CultureInfo.InvariantCulture),
        ];
        if (_codec is not null)
        {
            arguments.AddRange(["--codec", _codec]);
        }
        if (_video is not null)
        {
            arguments.AddRange(["--video", _video]);
        }
        if (_clip is not null)
        {
            arguments.AddRange(["--clip", _clip]);
        }
        if (_serve is not null)
        {
            arguments.AddRange(["--serve", _serve]);
        }
        if (_credentials is not null)
        {
            arguments.AddRange(["--credentials", _credentials]);
        }

        var (program, programArguments) = _host?.Wrap(python, arguments) ?? (python, arguments);
        _process = ChildProcess.Start(_serve == "http" ? "The HTTP camera simulator" : "The RTSP simulator", program, programArguments,
            outputLinesKept: OutputLinesKept);
        try
        {
            var ready = await _process.WaitForLineAsync(line => ReadyLine().IsMatch(line), StartTimeout, "its ready line");
            Url = ReadyLine().Match(ready).Groups[1].Value;
        }
        catch (TimeoutException)
        {
            _process.Kill();
            throw;
        }
        Port = new Uri(Url).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    [GeneratedRegex(@"(?:rtsp|http) simulator ready ((?:rtsp|http)://\S+)")]
    private static partial Regex ReadyLine();
}
