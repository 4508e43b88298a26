using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Clips.Kafka;

/// <summary>
/// Makes the short-lived consumers that read one request's stretch of a topic, with the settings the registered
/// consumer was bound with (<c>ConnectionStrings:kafka</c>, <c>Aspire:Confluent:Kafka:Consumer:Config</c>, so
/// security settings apply too). They only assign partitions: no group is joined, nothing is committed.
/// </summary>
internal sealed partial class ReaderConsumerFactory(ConsumerConfig boundConfig, ILogger<ReaderConsumerFactory> logger)
{
    /// <summary>Where the consumers connect, for messages.</summary>
    public string BootstrapServers => boundConfig.BootstrapServers;

    public IConsumer<string, byte[]> Create(string purpose)
    {
        var config = new ConsumerConfig(boundConfig.ToDictionary(setting => setting.Key, setting => setting.Value))
        {
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // A request waits on the partitions' ends: answer as soon as a message arrives, not after librdkafka's 500 ms.
            FetchWaitMaxMs = 100,
            // Nobody reads a request consumer's statistics.
            StatisticsIntervalMs = 0,
        };
        config.ClientId = $"{config.ClientId ?? "clips"}-{purpose}";
        return new ConsumerBuilder<string, byte[]>(config)
            .SetLogHandler((_, message) => LogClient(message.Facility, message.Message))
            .SetErrorHandler((_, error) => LogClientError(error.Code, error.Reason))
            .Build();
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Text}")]
    private partial void LogClient(string facility, string text);

    // Debug: a broker that cannot be reached is answered to the request (503) and reported by the health check.
    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "A clip's Kafka reader: {Code} {Reason}")]
    private partial void LogClientError(ErrorCode code, string reason);
}
