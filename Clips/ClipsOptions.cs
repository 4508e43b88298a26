using AspirePipeline.Contracts;

namespace AspirePipeline.Clips;

/// <summary>
/// What the clips service reads and how it cuts clips; section <c>Clips</c>, checked at start by <see cref="ClipsOptionsValidator"/>.
/// </summary>
public sealed class ClipsOptions
{
    public const string SectionName = "Clips";

    /// <summary>The recordings: one access unit per message, keyed by camera id.</summary>
    public string VideoTopic { get; set; } = FrameTopics.Video;

    /// <summary>The analyses' events (JSON, keyed by camera id) the camera pages list and <c>/events/...</c> cuts clips for.</summary>
    public string EventsTopic { get; set; } = FrameTopics.Events;

    /// <summary>How far before <c>from</c> a clip looks for the keyframe it must start at (a camera's GOP must be shorter).</summary>
    public TimeSpan KeyframeLookback { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest clip served (<c>to - from</c>).</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request waits for the recording to pass <c>to</c>, then serves what is there.</summary>
    public TimeSpan RecordingWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>An event's clip starts this long before its capture time ...</summary>
    public TimeSpan EventBefore { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>... and ends this long after it.</summary>
    public TimeSpan EventAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many recent <c>person-appeared</c> events a camera page lists.</summary>
    public int EventsShown { get; set; } = 20;

    /// <summary>How many of the newest messages of each events partition a camera page reads to find them.</summary>
    public int EventsScanLimit { get; set; } = 10_000;

    /// <summary>The ffmpeg that remuxes (Debian's package <c>ffmpeg</c>): a name looked up on PATH, or a full path.</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>How long a Kafka lookup (metadata, offsets by time, watermarks) may take before the answer is 503.</summary>
    public TimeSpan KafkaTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where a clip's transport stream and MP4 are written while it is made; empty: the system's temp directory.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>How often the catalog of recorded cameras looks for new partitions and for what retention deleted.</summary>
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="TempDirectory"/>, or the system's temp directory when it is empty.</summary>
    public string EffectiveTempDirectory => string.IsNullOrWhiteSpace(TempDirectory) ? Path.GetTempPath() : TempDirectory;
}
