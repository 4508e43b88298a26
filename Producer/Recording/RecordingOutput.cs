using System.Net.Sockets;
using AspirePipeline.Recording;

namespace AspirePipeline.Producer.Recording;

/// <summary>
/// The second output of a recorded camera's ffmpeg: the camera's stream copied as it came (<c>-c:v copy</c>) into an
/// MPEG transport stream, written to a Unix socket this producer listens on (a child process has only one stdout, which
/// carries the JPEGs). A thread of its own reads it, cuts it into access units and hands each to the
/// <see cref="VideoRecorder"/>. It must keep up: ffmpeg waits on a full socket, and with it the camera's frames.
/// </summary>
internal sealed partial class RecordingOutput : IDisposable
{
    private const int ReadBufferBytes = 64 * 1024;

    private readonly Socket _listener;
    private readonly string _path;
    private readonly VideoRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Thread _reader;
    private volatile Socket? _connection;
    private volatile bool _disposed;

    private RecordingOutput(Socket listener, string path, VideoRecorder recorder, TimeProvider time, ILogger logger)
    {
        _listener = listener;
        _path = path;
        _recorder = recorder;
        _time = time;
        _logger = logger;
        _reader = new Thread(Read) { IsBackground = true, Name = "ffmpeg-record" };
        _reader.Start();
    }

    /// <summary>The output arguments that make ffmpeg write the recording here; placed after its first output.</summary>
    public IReadOnlyList<string> FfmpegArguments =>
    [
        "-map", "0:v:0", "-c:v", "copy", "-flush_packets", "1",
        "-f", TransportStream.ContainerName, .. TransportStream.MuxerOptions, "unix:" + _path,
    ];

    /// <summary>Listens on a new socket in the temporary directory; ffmpeg connects when it opens its outputs.</summary>
    public static RecordingOutput Listen(VideoRecorder recorder, TimeProvider time, ILogger logger)
    {
        // Short: a Unix socket path has at most 107 bytes.
        var path = Path.Combine(Path.GetTempPath(), $"aspirepipeline-rec-{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new RecordingOutput(listener, path, recorder, time, logger);
    }

    private void Read()
    {
        var splitter = new TransportStreamSplitter();
        var units = new List<RecordedAccessUnit>();
        var buffer = new byte[ReadBufferBytes];
        long skippedReported = 0;
        var recording = true;
        try
        {
            using var connection = _listener.Accept();
            _connection = connection;
            int received;
            while (!_disposed && (received = connection.Receive(buffer)) > 0)
            {
                if (!recording)
                {
                    // Drained, not recorded: ffmpeg would otherwise wait on the socket and hold the camera's frames back.
                    continue;
                }
                var micros = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
                splitter.Write(buffer.AsSpan(0, received), units, micros);
                foreach (var unit in units)
                {
                    _recorder.Record(unit, unit.ReceivedAt);
                }
                units.Clear();
                if (splitter.SkippedBytes != skippedReported)
                {
                    _recorder.Status.OnSkipped(splitter.SkippedBytes - skippedReported);
                    skippedReported = splitter.SkippedBytes;
                }
                if (splitter.Codec is null && splitter.UnsupportedStreamType is { } type)
                {
                    LogUnsupportedCodec(_logger, _recorder.CameraId, type);
                    recording = false;
                }
            }
            // The access unit in progress when the stream ended may be cut off (ffmpeg killed mid-write): not recorded.
            var rest = splitter.Complete();
            for (var index = 0; index < rest.Count; index++)
            {
                if (index < rest.Count - 1)
                {
                    _recorder.Record(rest[index], rest[index].ReceivedAt);
                }
                else
                {
                    _recorder.Status.OnSkipped(rest[index].Packets.Length);
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException && _disposed)
        {
            // Closed by Dispose: the camera's ffmpeg is gone or going.
        }
        catch (SocketException exception)
        {
            LogReadFailed(_logger, _recorder.CameraId, exception.Message);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _connection?.Dispose();
        _listener.Dispose();
        _reader.Join(TimeSpan.FromSeconds(5));
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // Left in the temporary directory; harmless.
        }
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning,
        Message = "Camera {CameraId}: its video (MPEG-TS stream type 0x{StreamType:X2}) is not H.264 or H.265 and is not recorded")]
    private static partial void LogUnsupportedCodec(ILogger logger, string cameraId, byte streamType);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Camera {CameraId}: reading its recording from ffmpeg failed: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string cameraId, string reason);
}
