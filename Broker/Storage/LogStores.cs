using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Storage;

/// <summary>Picks the log store the options ask for.</summary>
internal static partial class LogStores
{
    public static ILogStore Create(BrokerOptions options, FileLogStoreOptions? fileOptions, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger(typeof(LogStores).FullName!);
        if (options.InMemory)
        {
            LogInMemory(logger);
            return new InMemoryLogStore();
        }

        var dataDir = Path.GetFullPath(options.DataDir!);
        var settings = new FileLogStoreOptions
        {
            DataDirectory = dataDir,
            SegmentBytes = fileOptions?.SegmentBytes ?? new FileLogStoreOptions().SegmentBytes,
            IndexIntervalBytes = fileOptions?.IndexIntervalBytes ?? new FileLogStoreOptions().IndexIntervalBytes,
            FlushIntervalMs = fileOptions?.FlushIntervalMs ?? 0,
        };
        LogDurable(logger, dataDir);
        return new FileLogStore(settings, loggerFactory);
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Storage: in memory (nothing survives a restart)")]
    private static partial void LogInMemory(ILogger logger);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Storage: segment files under {DataDir}")]
    private static partial void LogDurable(ILogger logger, string dataDir);
}
