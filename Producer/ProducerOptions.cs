using System.ComponentModel.DataAnnotations;
using AspirePipeline.Contracts;
using AspirePipeline.Frames;

namespace AspirePipeline.Producer;

/// <summary>The <c>Producer</c> configuration section: cameras, encoding, queueing and recovery.</summary>
public sealed class ProducerOptions
{
    public const string SectionName = "Producer";

    /// <summary>Cameras to read, one reader each. <see cref="Camera"/> is a shortcut for a single one.</summary>
    public List<CameraOptions> Cameras { get; set; } = [];

    /// <summary>Single-camera convenience: <c>Producer:Camera:Url</c> (id defaults to <c>camera</c>).</summary>
    public CameraOptions? Camera { get; set; }

    public FrameEncoding Encoding { get; set; } = FrameEncoding.Jpeg;

    /// <summary>
    /// Threads OpenCV may use inside one call (encode, colour conversion): 1 keeps each camera's encode on its own
    /// publish loop; 0 lets OpenCV use one thread per core.
    /// </summary>
    [Range(0, 256)]
    public int OpenCvThreads { get; set; } = 1;

    [Range(1, 100)]
    public int JpegQuality { get; set; } = FrameEncoder.DefaultJpegQuality;

    /// <summary>
    /// Who encodes the JPEGs of cameras read through ffmpeg (RTSP and other network streams) when the encoding is Jpeg:
    /// ffmpeg itself (no raw frame crosses the pipe; the cheaper way, see docs/benchmarks.md) or OpenCV in the producer.
    /// </summary>
    public JpegEncoder JpegEncoder { get; set; } = JpegEncoder.Ffmpeg;

    [Required(AllowEmptyStrings = false)]
    public string Topic { get; set; } = FrameTopics.Frames;

    /// <summary>Where recorded cameras' own video goes (<see cref="CameraOptions.Record"/>).</summary>
    [Required(AllowEmptyStrings = false)]
    public string VideoTopic { get; set; } = FrameTopics.Video;

    /// <summary>Frames buffered per camera between capture and Kafka; when full the oldest is dropped (counted).</summary>
    [Range(1, 1000)]
    public int QueueCapacity { get; set; } = 8;

    /// <summary>No frame for this long means the stream is lost: the reader is killed and reopened.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "00:10:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reopening a lost stream; doubles per failure up to <see cref="ReconnectMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "00:10:00")]
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00.05", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Trace one frame in this many (1 = every frame) so 30 fps does not flood the dashboard.</summary>
    [Range(1, int.MaxValue)]
    public int TraceEveryNthFrame { get; set; } = 30;

    /// <summary>The health check reports Unhealthy when a camera published nothing for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HealthFreshness { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long shutdown waits for Kafka to acknowledge frames already handed to the client.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:25")]
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The camera list with the <see cref="Camera"/> shortcut folded in.</summary>
    public IReadOnlyList<CameraOptions> EffectiveCameras =>
        Camera is { Url.Length: > 0 } single
            ? [.. Cameras, single with { Id = string.IsNullOrWhiteSpace(single.Id) ? "camera" : single.Id }]
            : Cameras;
}

/// <summary>One camera: where to read it and, optionally, the frame size and rate to produce.</summary>
public sealed record CameraOptions
{
    /// <summary>Kafka key and <c>frame.camera-id</c> header; unique per producer.</summary>
    public string Id { get; set; } = "";

    /// <summary><c>rtsp://...</c> (ffmpeg), <c>synthetic://?width=1280&amp;height=720&amp;fps=30</c>, a file path or <c>/dev/video0</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>Scale frames to this width (the source's own when unset; alone, the height keeps the aspect ratio).</summary>
    public int? Width { get; set; }

    public int? Height { get; set; }

    /// <summary>Frame rate to produce (the source's own when unset).</summary>
    public int? Fps { get; set; }

    /// <summary>
    /// Whether a camera that sends Motion JPEG has its JPEGs published as they are (Auto), or decoded and re-encoded
    /// like any other stream (Never). Auto passes through only where nothing would change the picture: the encoding is
    /// Jpeg and no Width, Height or Fps is set.
    /// </summary>
    public PassthroughMode Passthrough { get; set; } = PassthroughMode.Auto;

    /// <summary>
    /// Also publish the camera's compressed stream exactly as received (H.264 or H.265, <c>-c:v copy</c> from the same
    /// ffmpeg and connection) to <see cref="ProducerOptions.VideoTopic"/>, an access unit per message. Cameras read
    /// through ffmpeg only. A Motion JPEG camera's recording is its JPEGs, passed through to the frames topic as sent.
    /// </summary>
    public bool Record { get; set; }

    /// <summary>True when this camera's JPEGs may be published without decoding, should it send Motion JPEG.</summary>
    internal bool CanPassThrough(FrameEncoding encoding) =>
        Passthrough == PassthroughMode.Auto && encoding == FrameEncoding.Jpeg && Width is null && Height is null && Fps is null;
}

/// <summary>See <see cref="ProducerOptions.JpegEncoder"/>.</summary>
public enum JpegEncoder
{
    /// <summary>ffmpeg encodes JPEG with libjpeg's tables for <see cref="ProducerOptions.JpegQuality"/>.</summary>
    Ffmpeg = 0,

    /// <summary>ffmpeg decodes to BGR and the producer encodes with OpenCV (libjpeg-turbo).</summary>
    OpenCv = 1,
}

/// <summary>See <see cref="CameraOptions.Passthrough"/>.</summary>
public enum PassthroughMode
{
    /// <summary>Pass a Motion JPEG camera's frames through when the configuration allows (Jpeg, no scaling, no rate change).</summary>
    Auto = 0,

    /// <summary>Always decode and re-encode (e.g. to apply Producer:JpegQuality to a camera's oversized JPEGs).</summary>
    Never = 1,
}
