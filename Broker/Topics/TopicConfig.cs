using System.Collections.Frozen;
using System.Globalization;

namespace AspirePipeline.Broker.Topics;

/// <summary>
/// A topic's config overrides (Kafka's topic-level configs: set by CreateTopics, AlterConfigs or
/// IncrementalAlterConfigs, persisted with the topic). Immutable: a change replaces the whole object, so the append
/// and retention paths read one consistent set without locks. Values missing here fall back to the broker's.
/// </summary>
internal sealed class TopicConfig
{
    public const string CleanupPolicy = "cleanup.policy";
    public const string CompressionType = "compression.type";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string MinInsyncReplicas = "min.insync.replicas";
    public const string RetentionBytes = "retention.bytes";
    public const string RetentionMs = "retention.ms";
    public const string SegmentBytes = "segment.bytes";
    public const string SegmentMs = "segment.ms";

    /// <summary>Smallest segment.bytes accepted: below a few batches per segment every append would roll a file.</summary>
    public const int MinSegmentBytes = 1024;

    /// <summary>Kafka's default segment.ms (7 days): a quiet partition still gets a closed segment retention can delete.</summary>
    public const long DefaultSegmentMs = 7L * 24 * 60 * 60 * 1000;

    public static readonly TopicConfig Empty = new(FrozenDictionary<string, string>.Empty);

    /// <summary>Every key this broker accepts, in the order DescribeConfigs reports them.</summary>
    public static readonly IReadOnlyList<string> SupportedKeys =
    [
        CleanupPolicy, CompressionType, MaxMessageBytes, MessageTimestampType, MinInsyncReplicas,
        RetentionBytes, RetentionMs, SegmentBytes, SegmentMs,
    ];

    private TopicConfig(FrozenDictionary<string, string> overrides)
    {
        Overrides = overrides;
        RetentionMsOverride = Long(overrides, RetentionMs);
        RetentionBytesOverride = Long(overrides, RetentionBytes);
        SegmentBytesOverride = (int?)Long(overrides, SegmentBytes);
        SegmentMsOverride = Long(overrides, SegmentMs);
        MaxMessageBytesOverride = (int?)Long(overrides, MaxMessageBytes);
    }

    /// <summary>The keys set on this topic and their values (validated).</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; }

    /// <summary>-1 = unlimited; null = the broker's.</summary>
    public long? RetentionMsOverride { get; }

    /// <summary>-1 = unlimited; null = the broker's.</summary>
    public long? RetentionBytesOverride { get; }

    public int? SegmentBytesOverride { get; }

    public long? SegmentMsOverride { get; }

    public int? MaxMessageBytesOverride { get; }

    /// <summary>
    /// Validates <paramref name="overrides"/> as a complete set of topic overrides. A null value means "not set" (as
    /// CreateTopics allows). Returns false with a message naming the key and what it accepts.
    /// </summary>
    public static bool TryCreate(IEnumerable<KeyValuePair<string, string?>> overrides, out TopicConfig config, out string? error)
    {
        var valid = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                continue;
            }

            error = Validate(key, value.Trim());
            if (error is not null)
            {
                config = Empty;
                return false;
            }

            valid[key] = value.Trim();
        }

        config = valid.Count == 0 ? Empty : new TopicConfig(valid.ToFrozenDictionary(StringComparer.Ordinal));
        error = null;
        return true;
    }

    /// <summary>Null when <paramref name="value"/> is acceptable for <paramref name="key"/>, else why not.</summary>
    public static string? Validate(string key, string value) => key switch
    {
        RetentionMs or RetentionBytes => LongAtLeast(key, value, -1, "-1 for unlimited"),
        SegmentMs => LongAtLeast(key, value, 1, null),
        SegmentBytes => IntAtLeast(key, value, MinSegmentBytes),
        MaxMessageBytes => IntAtLeast(key, value, 0),
        CleanupPolicy => value == "delete" ? null
            : $"Invalid value '{value}' for {key}: only 'delete' is supported by this broker (no compaction).",
        CompressionType => value == "producer" ? null
            : $"Invalid value '{value}' for {key}: only 'producer' is supported (batches are stored as the producer compressed them).",
        MessageTimestampType => value == "CreateTime" ? null
            : $"Invalid value '{value}' for {key}: only 'CreateTime' is supported.",
        MinInsyncReplicas => value == "1" ? null
            : $"Invalid value '{value}' for {key}: this single-node broker has one replica, so only 1 is possible.",
        _ => $"Unknown topic config '{key}': this broker supports {string.Join(", ", SupportedKeys)}.",
    };

    private static string? LongAtLeast(string key, string value, long minimum, string? hint) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) && parsed >= minimum
            ? null
            : $"Invalid value '{value}' for {key}: expected a whole number >= {minimum}{(hint is null ? "" : $" ({hint})")}.";

    private static string? IntAtLeast(string key, string value, int minimum) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) && parsed >= minimum
            ? null
            : $"Invalid value '{value}' for {key}: expected a whole number from {minimum} to {int.MaxValue}.";

    private static long? Long(FrozenDictionary<string, string> overrides, string key) =>
        overrides.TryGetValue(key, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : null;
}
