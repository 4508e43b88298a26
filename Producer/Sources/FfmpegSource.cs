using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// Reads a network stream through Debian's ffmpeg (OpenCvSharp's bundled FFmpeg has no network support): ffmpeg
/// decodes to raw BGR on stdout and we read exact frame-sized chunks into pooled buffers.
/// </summary>
internal sealed partial class FfmpegSource : IFrameSource
{
    private const int StderrLinesKept = 20;

    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly string _url;
    private readonly string _redactedUrl;
    private readonly TaskCompletionSource<(int Width, int Height)> _size = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _stallTimeout;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task _stderrPump;
    private readonly ILogger<FfmpegSource> _logger;

    private FfmpegSource(Process process, string url, TimeSpan stallTimeout, ILogger<FfmpegSource> logger)
    {
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        // Fewer, larger reads per frame; the default buffer still works, only with more wake-ups.
        PipeCapacity.TryGrow(_stdout);
        _url = url;
        _redactedUrl = CameraUrl.Redact(url);
        _stallTimeout = stallTimeout;
        _logger = logger;
        _stderrPump = PumpStderrAsync();
    }

    public static FfmpegSource Open(CameraOptions camera, TimeSpan stallTimeout, ILogger<FfmpegSource> logger)
    {
        // "info" makes ffmpeg print its output stream ("rawvideo ..., 640x360"): the frame size without a separate
        // ffprobe connection, which would double the join time and race the camera's shared session.
        var arguments = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info" };
        if (IsRtsp(camera.Url))
        {
            arguments.AddRange(["-rtsp_transport", "tcp"]);
        }
        // Low-latency input: frames are handed on as soon as they decode instead of filling a probe buffer.
        arguments.AddRange(["-fflags", "nobuffer", "-flags", "low_delay", "-i", camera.Url, "-an", "-sn", "-dn"]);
        var filters = new List<string>();
        if (camera.Width is not null)
        {
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"scale={camera.Width}:{camera.Height}"));
        }
        if (camera.Fps is { } fps)
        {
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"fps={fps}"));
        }
        if (filters.Count > 0)
        {
            arguments.AddRange(["-vf", string.Join(',', filters)]);
        }
        arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "bgr24", "-"]);

        var process = Start("ffmpeg", arguments);
        LogStarted(logger, camera.Id, CameraUrl.Redact(camera.Url), process.Id);
        return new FfmpegSource(process, camera.Url, stallTimeout, logger);
    }

    public async ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_stallTimeout);
        // Killing ffmpeg ends the read even if the pipe ignored cancellation.
        await using var killOnStall = stall.Token.Register(KillQuietly).ConfigureAwait(false);
        byte[]? buffer = null;
        try
        {
            var (width, height) = await _size.Task.WaitAsync(stall.Token).ConfigureAwait(false);
            var frameBytes = width * height * 3;
            buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
            await _stdout.ReadExactlyAsync(buffer.AsMemory(0, frameBytes), stall.Token).ConfigureAwait(false);
            return CapturedFrame.FromPooledBgr(buffer, width, height);
        }
        catch (Exception exception) when (exception is OperationCanceledException or EndOfStreamException or IOException)
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (stall.IsCancellationRequested)
            {
                throw new CameraStreamException(
                    $"No frame from {_redactedUrl} for {_stallTimeout.TotalSeconds:0.#} s; ffmpeg killed. {StderrTail()}", exception);
            }
            var exitCode = await ExitCodeAsync().ConfigureAwait(false);
            throw new CameraStreamException($"ffmpeg stopped reading {_redactedUrl} (exit code {exitCode}). {StderrTail()}", exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        KillQuietly();
        await ExitCodeAsync().ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
        _process.Dispose();
    }

    private static Process Start(string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        try
        {
            return Process.Start(info) ?? throw new CameraStreamException($"{program} did not start.");
        }
        catch (Win32Exception exception)
        {
            throw new CameraStreamException(
                $"{program} could not be started ({exception.Message}); install it with scripts/prerequisites.sh (Debian package ffmpeg).",
                exception);
        }
    }

    private static bool IsRtsp(string url) => url.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase);

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } printed)
            {
                var line = CameraUrl.RedactIn(printed, _url);
                if (!_size.Task.IsCompleted && OutputStreamSize().Match(line) is { Success: true } match)
                {
                    _size.TrySetResult((int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture),
                        int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture)));
                    continue;
                }
                LogStderr(_logger, _redactedUrl, line);
                // Keep what explains a failure, not the stream banner ffmpeg prints at "info".
                if (line.StartsWith(' ') || line.StartsWith("Input #", StringComparison.Ordinal)
                    || line.StartsWith("Output #", StringComparison.Ordinal) || line.StartsWith("Stream mapping", StringComparison.Ordinal))
                {
                    continue;
                }
                _stderr.Enqueue(line);
                while (_stderr.Count > StderrLinesKept && _stderr.TryDequeue(out _))
                {
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process went away; what it printed so far is kept.
        }
        _size.TrySetException(new EndOfStreamException("ffmpeg ended before announcing its output stream."));
    }

    private string StderrTail() => _stderr.IsEmpty ? "ffmpeg printed nothing." : "ffmpeg said: " + string.Join(" | ", _stderr);

    private async Task<string> ExitCodeAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return _process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (OperationCanceledException)
        {
            return "unknown, still running";
        }
    }

    private void KillQuietly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Camera {CameraId}: ffmpeg (pid {ProcessId}) reading {Url}")]
    private static partial void LogStarted(ILogger logger, string cameraId, string url, int processId);

    // e.g. "  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(progressive), 640x360, q=2-31, ..."
    [GeneratedRegex(@"Stream #0:\d+.*: Video: rawvideo.*?, (\d{1,5})x(\d{1,5})", RegexOptions.CultureInvariant)]
    private static partial Regex OutputStreamSize();

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "ffmpeg ({Url}): {Line}")]
    private static partial void LogStderr(ILogger logger, string url, string line);
}
