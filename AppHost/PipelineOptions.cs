using System.ComponentModel.DataAnnotations;
using AspirePipeline.Contracts;
using AspirePipeline.Hosting.Kafka;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.AppHost;

/// <summary>The pipeline's topology, from the AppHost's configuration section <c>Pipeline</c>.</summary>
internal sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    [Required]
    public string FramesTopic { get; set; } = FrameTopics.Frames;

    [Required]
    public string AnalysisTopic { get; set; } = FrameTopics.Analysis;

    [Required]
    public string DeadLetterTopic { get; set; } = FrameTopics.DeadLetter;

    /// <summary>Where analyses that derive events from runs of frames (people appeared/left) write them.</summary>
    [Required]
    public string EventsTopic { get; set; } = FrameTopics.Events;

    /// <summary>Where recorded cameras' own video goes (<c>Cameras:{id}:Record=true</c>), as the camera sent it.</summary>
    [Required]
    public string VideoTopic { get; set; } = FrameTopics.Video;

    /// <summary>Partitions of the frames topic: the most consumer replicas of one group that can work at once.</summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 3;

    /// <summary>Per-message limit for frames (a 1280x720 JPEG is ~100-300 KB; raw BGR is 2.7 MB).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = FrameLimits.MaxMessageBytes;

    /// <summary>
    /// How long and how much of the frames topic is kept: video is heavy (a 720p camera at 30 fps writes about
    /// 4.7 GB an hour), so the defaults bound a development machine's disk (1 hour, 1 GiB per partition).
    /// </summary>
    [Required]
    public RetentionOptions FramesRetention { get; set; } = new() { Time = TimeSpan.FromHours(1), BytesPerPartition = 1L << 30 };

    /// <summary>
    /// How long and how much of the recordings (<see cref="VideoTopic"/>) is kept: 24 hours, and at most 16 GiB per
    /// partition (a 4 Mbit/s camera writes 1.8 GB an hour), so a disk is bounded whatever the cameras send.
    /// </summary>
    [Required]
    public RetentionOptions VideoRetention { get; set; } = new() { Time = TimeSpan.FromHours(24), BytesPerPartition = 16L << 30 };

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

    /// <summary>
    /// The consumer groups, by resource name: each reads every frame (fan-out) and runs one analysis in the project
    /// that hosts it, with its replicas splitting the partitions. Section <c>Pipeline:Groups:{name}</c>.
    /// </summary>
    public Dictionary<string, ConsumerGroupOptions> Groups { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The groups not switched off with <c>Enabled=false</c>, in configuration order.</summary>
    public IEnumerable<KeyValuePair<string, ConsumerGroupOptions>> EnabledGroups => Groups.Where(group => group.Value.Enabled);

    public static PipelineOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        // Settings of earlier versions, moved: say where instead of silently ignoring them.
        foreach (var (moved, replacement) in MovedSettings)
        {
            if (section.GetSection(moved).Exists())
            {
                throw new InvalidOperationException($"'{SectionName}:{moved}' is no longer read: {replacement}");
            }
        }

        var options = section.Get<PipelineOptions>() ?? new PipelineOptions();
        foreach (var (name, group) in options.Groups)
        {
            // Keys such as PeopleDetection:MinPersonHeight are paths to the configuration binder; read them whole.
            group.Settings = section.GetSection($"{nameof(Groups)}:{name}:{nameof(ConsumerGroupOptions.Settings)}")
                .AsEnumerable(makePathsRelative: true)
                .Where(setting => setting.Value is not null)
                .ToDictionary(setting => setting.Key, setting => setting.Value!, StringComparer.OrdinalIgnoreCase);
        }
        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            & options.FramesRetention.Validate($"{nameof(FramesRetention)}", results)
            & options.ResultsRetention.Validate($"{nameof(ResultsRetention)}", results)
            & options.VideoRetention.Validate($"{nameof(VideoRetention)}", results);
        foreach (var (name, group) in options.Groups)
        {
            var groupResults = new List<ValidationResult>();
            valid &= Validator.TryValidateObject(group, new ValidationContext(group), groupResults, validateAllProperties: true)
                & group.ValidateName(name, groupResults);
            results.AddRange(groupResults.Select(r =>
                new ValidationResult(r.ErrorMessage, [.. r.MemberNames.Select(m => $"{nameof(Groups)}:{name}:{m}")])));
        }
        if (valid && !options.EnabledGroups.Any())
        {
            results.Add(new ValidationResult(
                "No consumer group is configured: add an entry Pipeline:Groups:<name> with Project, GroupId and Analyzer, " +
                "or set Enabled=true on one.",
                [nameof(Groups)]));
            valid = false;
        }
        foreach (var duplicate in options.EnabledGroups
            .GroupBy(group => group.Value.GroupId, StringComparer.Ordinal)
            .Where(ids => ids.Count() > 1))
        {
            results.Add(new ValidationResult(
                $"Groups {string.Join(" and ", duplicate.Select(group => group.Key))} share the Kafka group id '{duplicate.Key}': " +
                "they would split the frames instead of each seeing all of them; " +
                "give each its own GroupId (or raise one group's Replicas).",
                [nameof(Groups)]));
            valid = false;
        }
        return valid
            ? options
            : throw new InvalidOperationException(
                $"Configuration section '{SectionName}' is invalid: " +
                $"{string.Join("; ", results.Select(r => $"{SectionName}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"))}. " +
                "Fix AppHost/appsettings.json or the matching environment variables.");
    }

    private static readonly (string Key, string Replacement)[] MovedSettings =
    [
        ("Cameras", "cameras are entries of the section 'Cameras' " +
            "(Cameras:<id>:Width, Cameras:<id>:Video or Cameras:<id>:Source=Rtsp), each its own resource."),
        ("Consumer", "consumer groups are entries of 'Pipeline:Groups' (Pipeline:Groups:consumer:Replicas and the like)."),
        ("Consumer2", "consumer groups are entries of 'Pipeline:Groups' (Pipeline:Groups:consumer2:GroupId and the like)."),
    ];
}

/// <summary>One consumer group: <c>Pipeline:Groups:{name}</c>, where the name is also its resource's name.</summary>
internal sealed class ConsumerGroupOptions
{
    /// <summary><c>false</c> leaves the group out (a configuration entry cannot be deleted by a later source).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The deployable project that hosts the group: <c>Consumer</c> or <c>Consumer2</c> (see <c>ConsumerProjects</c>).</summary>
    [Required]
    public string Project { get; set; } = "";

    /// <summary>The Kafka consumer group id; a new one starts from <see cref="StartAt"/> (or the earliest frame).</summary>
    [Required]
    public string GroupId { get; set; } = "";

    /// <summary>
    /// The analysis by name (<c>FrameProcessing:Analyzer</c>: mean-intensity, motion, people); empty runs the project's own.
    /// </summary>
    public string? Analyzer { get; set; }

    [Range(1, 64)]
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// Where the group starts when it has no committed offsets (<c>FrameProcessing:StartAt</c>): a duration back such
    /// as <c>-1h</c>, or a timestamp. With a new <see cref="GroupId"/> this replays that window.
    /// </summary>
    public string? StartAt { get; set; }

    /// <summary>Camera ids this group analyses (<c>FrameProcessing:Cameras</c>); empty: every camera.</summary>
    public List<string> Cameras { get; set; } = [];

    /// <summary>
    /// At most this many analysed frames a second per camera, evenly spaced (<c>FrameProcessing:Fps</c>); the rest are
    /// passed over undecoded and counted as sampled out. Unset or 0: every frame.
    /// </summary>
    [Range(0, 1000)]
    public double Fps { get; set; }

    /// <summary>
    /// Further settings for the group's service, by configuration key (<c>PeopleDetection:MinPersonHeight</c>), so an
    /// analysis's options are part of its one configuration entry.
    /// </summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool ValidateName(string name, List<ValidationResult> results)
    {
        if (name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return true;
        }
        results.Add(new ValidationResult($"'{name}' is not a valid resource name: use letters, digits and '-', starting with a letter.", [""]));
        return false;
    }
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
