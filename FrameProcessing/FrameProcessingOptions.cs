using System.ComponentModel.DataAnnotations;
using AspirePipeline.Contracts;

namespace AspirePipeline.FrameProcessing;

/// <summary>How a consumer service reads, processes and reports frames; section <c>FrameProcessing</c>.</summary>
public sealed class FrameProcessingOptions
{
    public const string SectionName = "FrameProcessing";

    [Required(AllowEmptyStrings = false)]
    public string Topic { get; set; } = FrameTopics.Frames;

    /// <summary>Where one JSON record per processed frame goes; empty disables the results topic.</summary>
    public string ResultsTopic { get; set; } = FrameTopics.Analysis;

    [Required(AllowEmptyStrings = false)]
    public string DeadLetterTopic { get; set; } = FrameTopics.DeadLetter;

    /// <summary>
    /// Where events an analysis derives from several frames go (the people detector's "person appeared/left"), JSON,
    /// keyed by camera id; empty disables them.
    /// </summary>
    public string EventsTopic { get; set; } = FrameTopics.Events;

    /// <summary>
    /// The analysis this service runs, by name (<c>mean-intensity</c>, <c>motion</c>, <c>people</c>); empty runs the
    /// project's own (Consumer: mean-intensity, Consumer2: motion). Read when the service is built.
    /// </summary>
    public string? Analyzer { get; set; }

    /// <summary>
    /// Camera ids this service analyses; frames of other cameras are passed over without decoding (their offsets
    /// stored, counted as other-camera frames). Empty: every camera. Lets a costly analysis watch only the cameras
    /// that need it.
    /// </summary>
    public List<string> Cameras { get; set; } = [];

    /// <summary>
    /// Identifies this process in results and the live view, so replicas of one group can be told apart.
    /// Empty means host name and process id.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>
    /// Decode every JPEG frame at full size and in colour even when the analyzer needs less (see
    /// <see cref="Analysis.IFrameAnalyzer.DecodeTarget"/>). Frames shown in the live view are always decoded in full.
    /// </summary>
    public bool AlwaysDecodeFullFrames { get; set; }

    /// <summary>
    /// Threads OpenCV may use inside one call (decode, colour conversion, resize): 1 runs every call on the processing
    /// thread, which suits a pipeline that scales by replicas; 0 lets OpenCV use one thread per core.
    /// </summary>
    [Range(0, 256)]
    public int OpenCvThreads { get; set; } = 1;

    /// <summary>Frames buffered between the Kafka consume loop and the analysis worker.</summary>
    [Range(1, 1024)]
    public int ChannelCapacity { get; set; } = 8;

    /// <summary>
    /// When a partition's lag (messages behind its high watermark) exceeds this many frames, jump to its newest frame
    /// and count the frames passed over as skipped. 0 processes every frame however far behind.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int SkipToNewestWhenLagExceeds { get; set; }

    /// <summary>
    /// At most this many frames a second of each camera are analysed, evenly spaced by capture time; the others are
    /// passed over before they are decoded (their offsets stored in order) and counted as sampled out, not as skipped
    /// or missing. 0 analyses every frame. Frigate's "detect" rate is the same idea (5 is its recommendation).
    /// </summary>
    [Range(0, 1000)]
    public double Fps { get; set; }

    /// <summary>
    /// Where a group with no committed offsets starts: a duration back (<c>-1h</c>) or a timestamp, found with Kafka's
    /// ListOffsets by timestamp; results of frames written before this consumer started are marked as replayed.
    /// Empty: the consumer's <c>AutoOffsetReset</c> (earliest). See <see cref="Pipeline.ReplayStart"/>.
    /// </summary>
    public string? StartAt { get; set; }

    /// <summary>Lag (messages, summed over assigned partitions) above which the health check reports Degraded.</summary>
    [Range(1, int.MaxValue)]
    public int MaxHealthyLag { get; set; } = 300;

    /// <summary>How often the Information summary is logged and the live view's statistics refreshed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SummaryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a rebalance waits for frames already handed to the worker before committing.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RevokeDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
