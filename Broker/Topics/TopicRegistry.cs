using System.Collections.Concurrent;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker.Topics;

/// <summary>
/// The topics this single node leads (every partition: leader = this node, leader epoch 0), over an <see cref="ILogStore"/>.
/// Topics found in the store at start are recreated with their partition counts.
/// </summary>
internal sealed partial class TopicRegistry : IDisposable
{
    /// <summary>Kafka's limit (249) keeps partition directory names under common file-name limits.</summary>
    public const int MaxTopicNameLength = 249;

    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly Lock _createLock = new();
    private readonly ILogStore _store;
    private readonly BrokerOptions _options;
    private readonly ILogger<TopicRegistry> _logger;

    public TopicRegistry(ILogStore store, IOptions<BrokerOptions> options, ILogger<TopicRegistry> logger)
    {
        _store = store;
        _options = options.Value;
        _logger = logger;
        Defaults = new TopicDefaults(_options.RetentionMs, _options.RetentionBytes, store.DefaultSegmentBytes, _options.MessageMaxBytes);
        foreach (var (name, partitions) in store.ExistingTopics)
        {
            var stored = store.ReadTopicConfig(name);
            if (!TopicConfig.TryCreate(stored!, out var config, out var configError))
            {
                // A file edited by hand or written by a newer broker: serve the topic with the broker's defaults.
                LogStoredConfigIgnored(name, configError);
                config = TopicConfig.Empty;
            }

            var topic = OpenTopic(name, partitions, config);
            var idempotentBatches = 0;
            foreach (var partition in topic.Partitions)
            {
                idempotentBatches += partition.RecoverProducerState();
            }

            _topics[name] = topic;
            LogTopicRecovered(name, partitions, idempotentBatches);
        }
    }

    public ILogStore Store => _store;

    /// <summary>What a topic uses for the configs it does not set.</summary>
    public TopicDefaults Defaults { get; }

    public int Count => _topics.Count;

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic) =>
        _topics.TryGetValue(name, out topic);

    /// <summary>A snapshot of all topics, sorted by name.</summary>
    public Topic[] Snapshot()
    {
        var all = _topics.Values.ToArray();
        Array.Sort(all, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return all;
    }

    /// <summary>
    /// Returns the topic, creating it with the default partition count when it is unknown, auto-creation is on and
    /// <paramref name="requestAllowsCreation"/>; otherwise UNKNOWN_TOPIC_OR_PARTITION or INVALID_TOPIC_EXCEPTION.
    /// </summary>
    public short GetOrAutoCreate(string name, bool requestAllowsCreation, out Topic? topic)
    {
        if (_topics.TryGetValue(name, out topic))
        {
            return ErrorCode.None;
        }

        if (!_options.AutoCreateTopics || !requestAllowsCreation)
        {
            return ErrorCode.UnknownTopicOrPartition;
        }

        var error = Create(name, _options.DefaultPartitions, null, validateOnly: false, out _);
        if (error is not ErrorCode.None and not ErrorCode.TopicAlreadyExists)
        {
            return error;
        }

        topic = _topics[name];
        return ErrorCode.None;
    }

    /// <summary>Creates a topic; returns the Kafka error code and, on failure, a message saying what to change.</summary>
    public short Create(string name, int partitions, IReadOnlyDictionary<string, string?>? configs, bool validateOnly, out string? message)
    {
        var nameError = ValidateName(name, out message);
        if (nameError != ErrorCode.None)
        {
            return nameError;
        }

        if (partitions is <= 0 or > 10_000)
        {
            message = $"Topic '{name}': partition count {partitions} must be between 1 and 10000.";
            return ErrorCode.InvalidPartitions;
        }

        if (!TopicConfig.TryCreate(configs ?? new Dictionary<string, string?>(), out var config, out var configError))
        {
            message = $"Topic '{name}': {configError}";
            return ErrorCode.InvalidConfig;
        }

        lock (_createLock)
        {
            if (_topics.ContainsKey(name))
            {
                message = $"Topic '{name}' already exists.";
                return ErrorCode.TopicAlreadyExists;
            }

            if (!validateOnly)
            {
                try
                {
                    // The configs first: a crash before the partitions exist leaves a file the next create overwrites.
                    _store.WriteTopicConfig(name, config.Overrides);
                    _topics[name] = OpenTopic(name, partitions, config);
                }
                catch (IOException e)
                {
                    message = $"Topic '{name}' could not be created in the data directory: {e.Message}";
                    return ErrorCode.KafkaStorageError;
                }

                LogTopicCreated(name, partitions);
            }
        }

        message = null;
        return ErrorCode.None;
    }

    /// <summary>
    /// Replaces a topic's config overrides after validating them (AlterConfigs, IncrementalAlterConfigs); the new set
    /// is written to the store first, so what a client was told took effect survives a restart.
    /// </summary>
    public short AlterConfig(string name, IReadOnlyDictionary<string, string?> overrides, bool validateOnly, out string? message)
    {
        if (!TopicConfig.TryCreate(overrides, out var config, out message))
        {
            return ErrorCode.InvalidConfig;
        }

        lock (_createLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                message = $"Topic '{name}' does not exist.";
                return ErrorCode.UnknownTopicOrPartition;
            }

            if (validateOnly)
            {
                return ErrorCode.None;
            }

            try
            {
                _store.WriteTopicConfig(name, config.Overrides);
            }
            catch (IOException e)
            {
                message = $"The configs of topic '{name}' could not be written to the data directory: {e.Message}";
                return ErrorCode.KafkaStorageError;
            }

            topic.Apply(config, Defaults);
            LogTopicConfigChanged(name, string.Join(", ", config.Overrides.Select(c => $"{c.Key}={c.Value}")));
            return ErrorCode.None;
        }
    }

    public short Delete(string name)
    {
        lock (_createLock)
        {
            if (!_topics.TryRemove(name, out var topic))
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            foreach (var partition in topic.Partitions)
            {
                partition.Log.Dispose();
            }

            _store.DeleteTopic(name);
            LogTopicDeleted(name);
            return ErrorCode.None;
        }
    }

    public static short ValidateName(string name, out string? message)
    {
        message = null;
        if (name.Length == 0 || name.Length > MaxTopicNameLength || name is "." or "..")
        {
            message = $"Topic name '{name}' is invalid: use 1-{MaxTopicNameLength} characters and not '.' or '..'.";
            return ErrorCode.InvalidTopicException;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                message = $"Topic name '{name}' contains '{c}': only ASCII letters, digits, '.', '_' and '-' are allowed.";
                return ErrorCode.InvalidTopicException;
            }
        }

        return ErrorCode.None;
    }

    private Topic OpenTopic(string name, int partitionCount, TopicConfig config)
    {
        var partitions = new Partition[partitionCount];
        for (var i = 0; i < partitionCount; i++)
        {
            partitions[i] = new Partition(name, i, _store.OpenPartition(name, i));
        }

        var topic = new Topic(name, partitions);
        topic.Apply(config, Defaults);
        return topic;
    }

    public void Dispose()
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                partition.Log.Dispose();
            }
        }

        _topics.Clear();
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions")]
    private partial void LogTopicCreated(string topic, int partitions);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Recovered topic {Topic} with {Partitions} partitions from storage " +
            "({IdempotentBatches} recent idempotent batches remembered for deduplication)")]
    private partial void LogTopicRecovered(string topic, int partitions, int idempotentBatches);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Deleted topic {Topic}")]
    private partial void LogTopicDeleted(string topic);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Topic {Topic} configs are now: {Configs}")]
    private partial void LogTopicConfigChanged(string topic, string configs);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning,
        Message = "Stored configs of topic {Topic} are invalid and were ignored (the broker's defaults apply): {Reason}")]
    private partial void LogStoredConfigIgnored(string topic, string? reason);
}

internal sealed class Topic(string name, Partition[] partitions)
{
    private volatile TopicConfig _config = TopicConfig.Empty;

    public string Name { get; } = name;

    public Partition[] Partitions { get; } = partitions;

    /// <summary>The topic's config overrides (CreateTopics, AlterConfigs), reported by DescribeConfigs as DYNAMIC_TOPIC_CONFIG.</summary>
    public TopicConfig Config => _config;

    /// <summary>Takes a new config set into use; the partition logs get its segment limits at once.</summary>
    internal void Apply(TopicConfig config, TopicDefaults defaults)
    {
        _config = config;
        foreach (var partition in Partitions)
        {
            partition.Log.SetRollLimits(defaults.SegmentBytesOf(config), defaults.SegmentMs(config));
        }
    }

    public bool TryGetPartition(int index, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Partition? partition)
    {
        partition = (uint)index < (uint)Partitions.Length ? Partitions[index] : null;
        return partition is not null;
    }
}
