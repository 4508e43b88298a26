using AspirePipeline.Contracts;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>
/// One long-lived admin client per Kafka resource, shared by every health probe: building a client per probe
/// leaks librdkafka threads. Created when the connection string is first known, disposed with the AppHost.
/// <paramref name="ownsTopics"/>: the AppHost started this broker, so it brings existing topics' configuration in line
/// with the declaration (logged); on a cluster of yours it only says where they differ.
/// </summary>
internal sealed partial class KafkaAdmin(string resourceName, bool ownsTopics, ILogger<KafkaAdmin> logger) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();
    private IAdminClient? _client;
    private string? _bootstrapServers;
    private bool _topicsReady;

    public string ResourceName { get; } = resourceName;

    /// <summary>Set from the resource's <c>ConnectionStringAvailableEvent</c>; the probe reports Unhealthy until then.</summary>
    public string? BootstrapServers
    {
        get => _bootstrapServers;
        set
        {
            lock (_gate)
            {
                if (_bootstrapServers == value)
                {
                    return;
                }

                _client?.Dispose();
                _client = null;
                _topicsReady = false;
                _bootstrapServers = value;
            }
        }
    }

    /// <summary>A metadata round trip: the broker accepted a connection and answered a request.</summary>
    public Metadata GetMetadata() => Client().GetMetadata(RequestTimeout);

    /// <summary>
    /// What our broker reports wrong with its data directory (a full disk), or null when nothing is or the broker does
    /// not say (a real Kafka has no such config). A read-only broker config, so one DescribeConfigs round trip.
    /// </summary>
    public async Task<string?> StorageProblemAsync(int brokerId)
    {
        var results = await Client().DescribeConfigsAsync(
            [new ConfigResource { Type = ResourceType.Broker, Name = brokerId.ToString(System.Globalization.CultureInfo.InvariantCulture) }],
            new DescribeConfigsOptions { RequestTimeout = RequestTimeout }).ConfigureAwait(false);
        return results.Count > 0 && results[0].Entries.TryGetValue(BrokerContract.StorageErrorConfig, out var entry) ? entry.Value : null;
    }

    /// <summary>Creates the missing topics; existing ones (also from a previous run's data) are left as they are.</summary>
    public async Task EnsureTopicsAsync(IReadOnlyList<KafkaTopicAnnotation> topics, Metadata metadata)
    {
        if (_topicsReady || topics.Count == 0)
        {
            _topicsReady = true;
            return;
        }

        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
        var missing = topics.Where(t => !existing.Contains(t.Name)).Select(ToSpecification).ToList();
        await ReconcileExistingConfigsAsync(topics.Where(t => existing.Contains(t.Name)).ToList()).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            try
            {
                await Client().CreateTopicsAsync(missing, new CreateTopicsOptions
                {
                    RequestTimeout = RequestTimeout,
                    OperationTimeout = RequestTimeout,
                }).ConfigureAwait(false);
                foreach (var topic in missing)
                {
                    LogTopicCreated(ResourceName, topic.Name, topic.NumPartitions);
                }
            }
            catch (CreateTopicsException exception)
                when (exception.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                // Another creator (or the broker's auto-creation) was first: the topic exists, which is all we need.
            }
        }

        _topicsReady = true;
    }

    private static TopicSpecification ToSpecification(KafkaTopicAnnotation topic)
    {
        var specification = new TopicSpecification
        {
            Name = topic.Name,
            NumPartitions = topic.Partitions,
            ReplicationFactor = 1,
        };
        if (topic.Configs.Count > 0)
        {
            specification.Configs = topic.Configs.ToDictionary(StringComparer.Ordinal);
        }

        return specification;
    }

    /// <summary>
    /// Topics that exist already: on the AppHost's own broker (a previous run's data) the declared configuration is
    /// applied, each change logged; on a cluster of yours they keep theirs, since altering a production topic's retention
    /// behind its owners' back could delete data, and a difference is said, once, with the command that would apply it.
    /// </summary>
    private async Task ReconcileExistingConfigsAsync(IReadOnlyList<KafkaTopicAnnotation> existing)
    {
        var declared = existing.Where(t => t.Configs.Count > 0).ToList();
        if (declared.Count == 0)
        {
            return;
        }

        List<DescribeConfigsResult> described;
        try
        {
            described = await Client().DescribeConfigsAsync(
                declared.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t.Name }),
                new DescribeConfigsOptions { RequestTimeout = RequestTimeout }).ConfigureAwait(false);
        }
        catch (KafkaException exception)
        {
            LogConfigsNotChecked(ResourceName, exception.Error.Reason);
            return;
        }

        var changes = new Dictionary<ConfigResource, List<ConfigEntry>>();
        foreach (var topic in declared)
        {
            var actual = described.FirstOrDefault(d => d.ConfigResource.Name == topic.Name)?.Entries;
            foreach (var (key, value) in topic.Configs)
            {
                var current = actual is not null && actual.TryGetValue(key, out var entry) ? entry.Value : null;
                if (current == value)
                {
                    continue;
                }
                if (!ownsTopics)
                {
                    LogConfigDiffers(ResourceName, topic.Name, key, current ?? "(not reported)", value);
                    continue;
                }
                var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic.Name };
                if (!changes.TryGetValue(resource, out var entries))
                {
                    changes[resource] = entries = [];
                }
                entries.Add(new ConfigEntry { Name = key, Value = value, IncrementalOperation = AlterConfigOpType.Set });
                LogConfigApplied(ResourceName, topic.Name, key, current ?? "(not reported)", value);
            }
        }

        if (changes.Count > 0)
        {
            try
            {
                await Client().IncrementalAlterConfigsAsync(changes, new IncrementalAlterConfigsOptions { RequestTimeout = RequestTimeout })
                    .ConfigureAwait(false);
            }
            catch (KafkaException exception)
            {
                LogConfigsNotChecked(ResourceName, exception.Error.Reason);
            }
        }
    }

    private IAdminClient Client()
    {
        lock (_gate)
        {
            if (_client is not null)
            {
                return _client;
            }

            var bootstrapServers = _bootstrapServers
                ?? throw new InvalidOperationException($"The connection string of '{ResourceName}' is not known yet.");
            _client = new AdminClientBuilder(new AdminClientConfig
                {
                    BootstrapServers = bootstrapServers,
                    ClientId = $"aspire-apphost-{ResourceName}-health",
                    SocketTimeoutMs = (int)RequestTimeout.TotalMilliseconds,
                    SocketConnectionSetupTimeoutMs = (int)RequestTimeout.TotalMilliseconds,
                    ReconnectBackoffMaxMs = 1000,
                })
                // While the broker starts every probe fails to connect; at Debug this stays out of the console.
                .SetLogHandler((_, message) => LogClientMessage(ResourceName, message.Facility, message.Message))
                .SetErrorHandler((_, error) => LogClientError(ResourceName, error.Code, error.Reason))
                .Build();
            return _client;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _client?.Dispose();
            _client = null;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions on {Resource}")]
    private partial void LogTopicCreated(string resource, string topic, int partitions);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Topic {Topic} on {Resource} exists with {Key}={Actual}; the AppHost declares {Declared} and leaves the topic as it is. " +
            "To apply it: kafka-configs.sh --bootstrap-server <servers> --alter --entity-type topics --entity-name {Topic} " +
            "--add-config {Key}={Declared}")]
    private partial void LogConfigDiffers(string resource, string topic, string key, string actual, string declared);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "Topic {Topic} on {Resource}: {Key} set to {Declared} as declared (was {Actual})")]
    private partial void LogConfigApplied(string resource, string topic, string key, string actual, string declared);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "The configuration of {Resource}'s existing topics could not be read or changed ({Reason}); they are used as they are")]
    private partial void LogConfigsNotChecked(string resource, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Resource} health client: {Facility} {ClientMessage}")]
    private partial void LogClientMessage(string resource, string facility, string clientMessage);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "{Resource} health client error {Code}: {Reason}")]
    private partial void LogClientError(string resource, ErrorCode code, string reason);
}
