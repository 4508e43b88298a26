using System.ComponentModel.DataAnnotations;
using AspirePipeline.Hosting.Kafka;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.AppHost;

/// <summary>The pipeline's topology, from the AppHost's configuration section <c>Pipeline</c>.</summary>
internal sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    [Required]
    public string FramesTopic { get; set; } = "frames";

    [Required]
    public string AnalysisTopic { get; set; } = "frames.analysis";

    [Required]
    public string DeadLetterTopic { get; set; } = "frames.dlq";

    /// <summary>
    /// Camera ids the producer publishes under, each read from the <c>camera</c> resource's stream by its own reader:
    /// one simulator stands in for several cameras (frames are keyed, so partitioned, by camera id).
    /// </summary>
    [MinLength(1)]
    public List<string> Cameras { get; set; } = [];

    /// <summary>Partitions of the frames topic: the most consumer replicas of one group that can work at once.</summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 3;

    /// <summary>Per-message limit for frames (a 1280x720 JPEG is ~100-300 KB; raw BGR is 2.7 MB).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How long and how much of the frames topic is kept: video is heavy (a 720p camera at 30 fps writes about
    /// 4.7 GB an hour), so the defaults bound a development machine's disk (1 hour, 1 GiB per partition).
    /// </summary>
    [Required]
    public RetentionOptions FramesRetention { get; set; } = new() { Time = TimeSpan.FromHours(1), BytesPerPartition = 1L << 30 };

    /// <summary>Retention of the results and dead-letter topics: small records, kept longer (7 days, 1 GiB per partition).</summary>
    [Required]
    public RetentionOptions ResultsRetention { get; set; } = new() { Time = TimeSpan.FromDays(7), BytesPerPartition = 1L << 30 };

    /// <summary>
    /// The producer's frame encoding (<c>Producer:Encoding</c>): Jpeg, RawBgr, or SeedJson for the original design's
    /// JSON that its Go/Python clients read. Unset leaves the producer's own setting (Jpeg).
    /// </summary>
    [RegularExpression("^(?i:jpeg|rawbgr|seedjson)$", ErrorMessage = "FrameEncoding must be Jpeg, RawBgr or SeedJson.")]
    public string? FrameEncoding { get; set; }

    /// <summary>
    /// Camera id the consumers give frames that name none (no header, no key), as the original Go producer sends them
    /// (<c>HeaderlessFrames:CameraId</c>). Unset leaves the consumers' own setting.
    /// </summary>
    [MaxLength(256)]
    public string? HeaderlessCameraId { get; set; }

    [Required]
    public ConsumerGroupOptions Consumer { get; set; } = new() { GroupId = "consumerGroup_1" };

    [Required]
    public ConsumerGroupOptions Consumer2 { get; set; } = new() { GroupId = "consumerGroup_2" };

    public static PipelineOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(SectionName).Get<PipelineOptions>() ?? new PipelineOptions();
        if (options.Cameras.Count == 0)
        {
            options.Cameras.Add("camera");
        }

        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            & Validator.TryValidateObject(options.Consumer, new ValidationContext(options.Consumer), results, validateAllProperties: true)
            & Validator.TryValidateObject(options.Consumer2, new ValidationContext(options.Consumer2), results, validateAllProperties: true)
            & options.FramesRetention.Validate($"{nameof(FramesRetention)}", results)
            & options.ResultsRetention.Validate($"{nameof(ResultsRetention)}", results);
        return valid
            ? options
            : throw new InvalidOperationException(
                $"Configuration section '{SectionName}' is invalid: {string.Join("; ", results.Select(r => $"{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"))}. Fix AppHost/appsettings.json or the matching environment variables.");
    }
}

internal sealed class ConsumerGroupOptions
{
    [Required]
    public string GroupId { get; set; } = "";

    [Range(1, 64)]
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// Where the group starts when it has no committed offsets (<c>FrameProcessing:StartAt</c>): a duration back such
    /// as <c>-1h</c>, or a timestamp. With a new <see cref="GroupId"/> this replays that window.
    /// </summary>
    public string? StartAt { get; set; }
}

/// <summary>A topic's retention (Kafka's <c>retention.ms</c> and <c>retention.bytes</c>); an unset bound is off.</summary>
internal sealed class RetentionOptions
{
    /// <summary>Segments older than this are deleted, e.g. <c>01:00:00</c>.</summary>
    public TimeSpan? Time { get; set; }

    /// <summary>Beyond this many bytes in one partition the oldest segments are deleted.</summary>
    public long? BytesPerPartition { get; set; }

    public TopicRetention ToTopicRetention() => new(Time, BytesPerPartition);

    public bool Validate(string name, List<ValidationResult> results)
    {
        if (Time is { } time && time <= TimeSpan.Zero)
        {
            results.Add(new ValidationResult($"Time must be positive, e.g. 01:00:00 (is {time}).", [$"{name}:Time"]));
            return false;
        }
        if (BytesPerPartition is { } bytes && bytes < 1024 * 1024)
        {
            results.Add(new ValidationResult($"BytesPerPartition must be at least 1048576 (is {bytes}).", [$"{name}:BytesPerPartition"]));
            return false;
        }
        return true;
    }
}
