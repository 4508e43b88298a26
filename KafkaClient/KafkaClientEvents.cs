using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.KafkaClient;

/// <summary>
/// librdkafka's callbacks for one registered client: logs and errors to <see cref="ILogger"/>, statistics to metrics.
/// While the client has never reached a broker, connection failures are expected (the broker may still be starting)
/// and are logged at Debug; once it has been connected, losing the broker is a Warning.
/// </summary>
internal sealed partial class KafkaClientEvents(string connectionName, string? consumerGroup, KafkaClientMetrics? metrics, ILogger logger)
{
    private volatile bool _connectedOnce;

    public bool ConnectedOnce => _connectedOnce;

    public void MarkConnected() => _connectedOnce = true;

    /// <summary>
    /// Must not touch the client: librdkafka logs from its own threads, also while the handle is being destroyed
    /// (calling <c>client.Name</c> there segfaults); the message carries the client name.
    /// </summary>
    public void OnLog(LogMessage message)
    {
        var level = Map(message.Level);
        if (IsConnectionNoise(message.Message, message.Facility))
        {
            level = !ConnectedOnceOrNow(message.Message) ? LogLevel.Debug
                : level > LogLevel.Warning ? LogLevel.Warning
                : level;
        }
        LibrdkafkaLog(logger, level, connectionName, message.Name, message.Facility, message.Message);
    }

    public void OnError(string clientName, Error error)
    {
        if (error.IsFatal)
        {
            FatalError(logger, connectionName, clientName, error.Code, error.Reason);
            return;
        }
        var noise = error.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Resolve
            || IsConnectionNoise(error.Reason, facility: null);
        var level = !noise ? LogLevel.Error : ConnectedOnceOrNow(error.Reason) ? LogLevel.Warning : LogLevel.Debug;
        ClientError(logger, level, connectionName, clientName, error.Code, error.Reason);
    }

    public void OnStatistics(string json)
    {
        if (metrics is null)
        {
            return;
        }
        try
        {
            var statistics = metrics.OnStatistics(json, consumerGroup);
            if (statistics.AnyBrokerUp)
            {
                _connectedOnce = true;
            }
        }
        catch (System.Text.Json.JsonException exception)
        {
            StatisticsUnreadable(logger, connectionName, exception);
        }
    }

    private bool ConnectedOnceOrNow(string message)
    {
        // "... (after 1234ms in state UP)" means this very connection had been established.
        if (message.Contains("in state UP", StringComparison.Ordinal))
        {
            _connectedOnce = true;
        }
        return _connectedOnce;
    }

    internal static bool IsConnectionNoise(string message, string? facility) =>
        facility is "FAIL" or "CONNECT"
        || message.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
        || message.Contains("brokers are down", StringComparison.OrdinalIgnoreCase)
        || message.Contains("Disconnected", StringComparison.Ordinal)
        || message.Contains("Connect to ", StringComparison.Ordinal);

    internal static LogLevel Map(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    [LoggerMessage(EventId = 1, Message = "Kafka '{ConnectionName}' {ClientName} [{Facility}] {KafkaMessage}")]
    private static partial void LibrdkafkaLog(ILogger logger, LogLevel level, string connectionName, string clientName,
        string facility, string kafkaMessage);

    [LoggerMessage(EventId = 2, Message = "Kafka '{ConnectionName}' {ClientName} error {ErrorCode}: {Reason}")]
    private static partial void ClientError(ILogger logger, LogLevel level, string connectionName, string clientName,
        ErrorCode errorCode, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical,
        Message = "Kafka '{ConnectionName}' {ClientName} fatal error {ErrorCode}: {Reason}; the client cannot continue and must be recreated")]
    private static partial void FatalError(ILogger logger, string connectionName, string clientName, ErrorCode errorCode, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Kafka '{ConnectionName}' statistics could not be read")]
    private static partial void StatisticsUnreadable(ILogger logger, string connectionName, Exception exception);
}
