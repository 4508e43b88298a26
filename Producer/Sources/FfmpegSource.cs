using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using AspirePipeline.Contracts;
using AspirePipeline.Producer.Recording;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// Reads a network stream through Debian's ffmpeg (OpenCvSharp's bundled FFmpeg has no network support), in one of
/// three ways (<see cref="FfmpegOutput"/>):
/// <list type="bullet">
/// <item>ffmpeg encodes JPEG itself (<see cref="FfmpegJpegArguments"/>) and <see cref="JpegStreamSplitter"/> cuts them
/// apart: the default for <c>Producer:Encoding=Jpeg</c>, since no raw frame crosses the pipe and nothing is encoded twice;</item>
/// <item>a camera that sends Motion JPEG is passed through: ffmpeg copies the camera's JPEGs (<c>-c:v copy -f mjpeg</c>);</item>
/// <item>otherwise ffmpeg decodes to raw BGR and a dedicated thread reads exact frame-sized chunks into pooled buffers.
/// Blocking reads on one thread cost one wake-up per chunk; async pipe reads cost an epoll wake-up and a thread-pool
/// hop per chunk.</item>
/// </list>
/// Which one a camera gets follows what ffmpeg reports for its stream (see <see cref="StreamCodecHint"/>).
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
    // One frame of slack: the camera loop takes frames as they come, and a full channel holds ffmpeg back on its pipe.
    private readonly Channel<CapturedFrame> _frames = Channel.CreateBounded<CapturedFrame>(
        new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stopReading = new();
    private readonly Thread _reader;
    private readonly TaskCompletionSource<StreamCodecHint.Seen> _input = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FfmpegPlan _plan;
    private readonly FfmpegChoices _choices;
    private readonly StreamCodecHint _hint;
    private readonly RecordingOutput? _recording;
    private readonly PresentationTimeline? _timeline;
    private bool _outputAnnounced;

    private FfmpegSource(Process process, string url, FfmpegPlan plan, FfmpegChoices choices, StreamCodecHint hint,
        TimeSpan stallTimeout, RecordingOutput? recording, ILogger<FfmpegSource> logger)
    {
        _recording = recording;
        _plan = plan;
        // A copied stream goes through no filter, so it has no timestamps printed: its frames are stamped on arrival.
        _timeline = plan.Output == FfmpegOutput.CameraJpeg ? null : new PresentationTimeline();
        _choices = choices;
        _hint = hint;
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        // Fewer, larger reads per frame; the default buffer still works, only with more wake-ups.
        PipeCapacity.TryGrow(_stdout);
        _url = url;
        _redactedUrl = CameraUrl.Redact(url);
        _stallTimeout = stallTimeout;
        _logger = logger;
        // Its own thread, not the thread pool: a frame's timestamp line must be read promptly even when the pool is
        // busy, or the frame waits for it (PresentationTimeline) and is stamped on arrival after all.
        _stderrPump = Task.Factory.StartNew(PumpStderr, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _reader = new Thread(ReadFrames) { IsBackground = true, Name = "ffmpeg-read" };
        _reader.Start();
    }

    /// <summary>Always decodes to BGR pixels: for callers that need pixels whatever the camera sends.</summary>
    public static FfmpegSource Open(CameraOptions camera, TimeSpan stallTimeout, ILogger<FfmpegSource> logger) =>
        Open(camera, FfmpegChoices.PixelsOnly, new StreamCodecHint(), stallTimeout, logger);

    /// <param name="camera">The camera to read.</param>
    /// <param name="choices">What the configuration allows (passthrough, JPEG from ffmpeg, the quality).</param>
    /// <param name="hint">What this camera was last seen sending; updated from what ffmpeg reports.</param>
    /// <param name="stallTimeout">No frame for this long ends the read (<c>Producer:StallTimeout</c>).</param>
    /// <param name="logger">Where ffmpeg's errors and the connection's state are logged.</param>
    /// <param name="recorder">
    /// Where the camera's own stream goes as well, copied by the same ffmpeg from the same connection (a second output);
    /// null when the camera is not recorded. A Motion JPEG camera's JPEGs are passed through to the frames topic as they
    /// are, which is its recording.
    /// </param>
    /// <param name="time">The clock the recording's arrival times are taken from.</param>
    public static FfmpegSource Open(CameraOptions camera, FfmpegChoices choices, StreamCodecHint hint, TimeSpan stallTimeout,
        ILogger<FfmpegSource> logger, VideoRecorder? recorder = null, TimeProvider? time = null)
    {
        var plan = choices.PlanFor(hint.Last);
        // "info" makes ffmpeg print the input stream (codec, pixel format) and its output stream ("rawvideo ...,
        // 640x360"): what the camera sends and the frame size, without a separate ffprobe connection, which would
        // double the join time and race the camera's shared session.
        var arguments = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info" };
        if (IsRtsp(camera.Url))
        {
            arguments.AddRange(["-rtsp_transport", "tcp"]);
        }
        // Low-latency input: frames are handed on as soon as they decode instead of filling a probe buffer.
        arguments.AddRange(["-fflags", "nobuffer", "-flags", "low_delay", "-i", camera.Url, "-an", "-sn", "-dn"]);
        // On Linux, /dev/stdout goes through ffmpeg's file protocol, which writes 256 KiB at a time; "-" (its pipe
        // protocol) writes 32 KiB pieces, each waking the producer: ~85 wake-ups per 720p BGR frame instead of ~11.
        var stdout = OperatingSystem.IsLinux() ? "/dev/stdout" : "-";
        if (plan.Output == FfmpegOutput.CameraJpeg)
        {
            // The camera's JPEGs as they are, each written out as soon as it is complete (no 32 KiB output buffering).
            arguments.AddRange(["-c:v", "copy", "-flush_packets", "1", "-f", "mjpeg", "-y", stdout]);
            return Start(camera, arguments, plan, choices, hint, stallTimeout, recording: null, logger);
        }
        var filters = plan.Output == FfmpegOutput.EncodedJpeg ? FfmpegJpegArguments.Filters(plan.FullRange).ToList() : [];
        if (camera.Width is not null)
        {
            // A width alone keeps the camera's aspect ratio (-2: the even height that does).
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"scale={camera.Width}:{camera.Height ?? -2}"));
        }
        if (camera.Fps is { } fps)
        {
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"fps={fps}"));
        }
        filters.Add(PresentationTimeline.Filter);
        arguments.AddRange(["-vf", string.Join(',', filters)]);
        if (plan.Output == FfmpegOutput.EncodedJpeg)
        {
            arguments.AddRange(FfmpegJpegArguments.Encoder(choices.JpegQuality, plan.FullRange));
            arguments.AddRange(["-flush_packets", "1", "-f", "mjpeg", "-y", stdout]);
        }
        else
        {
            arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "bgr24", "-y", stdout]);
        }
        var recording = recorder is null ? null : RecordingOutput.Listen(recorder, time ?? TimeProvider.System, logger);
        try
        {
            arguments.AddRange(recording?.FfmpegArguments ?? []);
            return Start(camera, arguments, plan, choices, hint, stallTimeout, recording, logger);
        }
        catch
        {
            recording?.Dispose();
            throw;
        }
    }

    private static FfmpegSource Start(CameraOptions camera, List<string> arguments, FfmpegPlan plan, FfmpegChoices choices,
        StreamCodecHint hint, TimeSpan stallTimeout, RecordingOutput? recording, ILogger<FfmpegSource> logger)
    {
        var process = Start(Program, arguments);
        LogStarted(logger, camera.Id, CameraUrl.Redact(camera.Url), process.Id,
            recording is null ? plan.Describe() : plan.Describe() + ", recording its stream as sent");
        return new FfmpegSource(process, camera.Url, plan, choices, hint, stallTimeout, recording, logger);
    }

    public async ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_stallTimeout);
        try
        {
            return await _frames.Reader.ReadAsync(stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            KillQuietly();
            throw new CameraStreamException(
                $"No frame from {_redactedUrl} for {_stallTimeout.TotalSeconds:0.#} s; ffmpeg killed. {StderrTail()}", exception);
        }
        catch (ChannelClosedException exception) when (exception.InnerException is StreamCodecChangedException changed)
        {
            throw new StreamCodecChangedException(changed.Seen, changed.Plan, changed);
        }
        catch (ChannelClosedException exception)
        {
            var exitCode = await ExitCodeAsync().ConfigureAwait(false);
            throw new CameraStreamException($"ffmpeg stopped reading {_redactedUrl} (exit code {exitCode}). {StderrTail()}",
                exception.InnerException ?? exception);
        }
    }

    /// <summary>The reading thread: frame after frame until ffmpeg's output ends or the source is disposed.</summary>
    private void ReadFrames()
    {
        Exception? failure = null;
        try
        {
            // Blocks until ffmpeg has said what the camera sends (or failed before that).
            var seen = _input.Task.GetAwaiter().GetResult();
            var fitting = _choices.PlanFor(seen);
            if (fitting != _plan)
            {
                // The camera changed codec or pixel range (or this is the first look at it): reopen the way it needs.
                throw new StreamCodecChangedException(seen, fitting);
            }
            switch (_plan.Output)
            {
                case FfmpegOutput.Pixels:
                    ReadRawFrames();
                    break;
                default:
                    ReadJpegs(passedThrough: _plan.Output == FfmpegOutput.CameraJpeg);
                    break;
            }
        }
        catch (Exception exception) when (exception is EndOfStreamException or IOException or ObjectDisposedException
            or OperationCanceledException or StreamCodecChangedException)
        {
            failure = exception;
        }
        finally
        {
            _frames.Writer.TryComplete(failure);
        }
    }

    private void ReadRawFrames()
    {
        // Blocks until ffmpeg has announced its output size on stderr (or failed before that).
        var (width, height) = _size.Task.GetAwaiter().GetResult();
        var frameBytes = width * height * 3;
        long frame = 0;
        while (!_stopReading.IsCancellationRequested)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(frameBytes);
            try
            {
                _stdout.ReadExactly(buffer, 0, frameBytes);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
            Hand(CapturedFrame.FromPooledBgr(buffer, width, height, _timeline?.Stamp(frame)));
            frame++;
        }
    }

    /// <summary>Each piece of ffmpeg's JPEG stream becomes a frame; the publisher checks it.</summary>
    private void ReadJpegs(bool passedThrough)
    {
        var splitter = new JpegStreamSplitter(_stdout);
        for (long frame = 0; !_stopReading.IsCancellationRequested; frame++)
        {
            var piece = splitter.ReadNext() ?? throw new EndOfStreamException("ffmpeg's JPEG stream ended.");
            Hand(CapturedFrame.FromJpeg(piece, passedThrough, _timeline?.Stamp(frame)));
        }
    }

    private void Hand(CapturedFrame frame)
    {
        if (_frames.Writer.TryWrite(frame))
        {
            return;
        }
        try
        {
            _frames.Writer.WriteAsync(frame, _stopReading.Token).AsTask().GetAwaiter().GetResult();
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopReading.CancelAsync().ConfigureAwait(false);
        // Killing ffmpeg closes the pipe, which ends a blocked read.
        KillQuietly();
        await ExitCodeAsync().ConfigureAwait(false);
        _reader.Join(TimeSpan.FromSeconds(5));
        while (_frames.Reader.TryRead(out var unread))
        {
            unread.Dispose();
        }
        await _stderrPump.ConfigureAwait(false);
        _recording?.Dispose();
        _stopReading.Dispose();
        _process.Dispose();
    }

    /// <summary>Debian's ffmpeg, found on PATH (the producer checks at start that it is there).</summary>
    internal const string Program = "ffmpeg";

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

    private static bool IsRtsp(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && CameraSourceKinds.ForUri(uri) == CameraSourceKinds.Rtsp;

    private void PumpStderr()
    {
        try
        {
            while (_process.StandardError.ReadLine() is { } printed)
            {
                if (_timeline?.TryTake(printed) == true)
                {
                    continue;
                }
                var line = CameraUrl.RedactIn(printed, _url);
                _outputAnnounced |= line.StartsWith("Output #", StringComparison.Ordinal);
                if (!_outputAnnounced && !_input.Task.IsCompleted && InputStream(line) is { } seen)
                {
                    _hint.Last = seen;
                    _input.TrySetResult(seen);
                }
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
        _input.TrySetException(new EndOfStreamException("ffmpeg ended before reporting the camera's video stream."));
    }

    /// <summary>The camera's video stream as ffmpeg describes its input, or null when the line is not that description.</summary>
    internal static StreamCodecHint.Seen? InputStream(string line) =>
        InputVideoStream().Match(line) is { Success: true } input
            ? StreamCodecHint.Seen.From(input.Groups["codec"].Value, input.Groups["format"].Value, input.Groups["details"].Value)
            : null;

    /// <summary>Frames stamped with their presentation time so far, and those stamped on arrival (null: a copied stream).</summary>
    internal (long Reported, long StampedOnArrival)? Timeline => _timeline is null ? null : (_timeline.Reported, _timeline.StampedOnArrival);

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

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Camera {CameraId}: ffmpeg (pid {ProcessId}) reading {Url}, {Mode}")]
    private static partial void LogStarted(ILogger logger, string cameraId, string url, int processId, string mode);

    // e.g. "  Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 1280x720, 30 tbr" or
    // "Video: h264 (High), yuv420p(progressive), 1280x720" (the input's, printed before "Output #0"): ffmpeg's codec
    // name is the first word after "Video: ", the pixel format the first word after the next comma.
    [GeneratedRegex(@"^\s*Stream #0:\d+.*?: Video: (?<codec>\w+)[^,]*(?:, (?<format>\w+)(?:\((?<details>[^)]*)\))?)?",
        RegexOptions.CultureInvariant)]
    private static partial Regex InputVideoStream();

    // e.g. "  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(progressive), 640x360, q=2-31, ..."
    [GeneratedRegex(@"Stream #0:\d+.*: Video: rawvideo.*?, (\d{1,5})x(\d{1,5})", RegexOptions.CultureInvariant)]
    private static partial Regex OutputStreamSize();

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "ffmpeg ({Url}): {Line}")]
    private static partial void LogStderr(ILogger logger, string url, string line);
}
