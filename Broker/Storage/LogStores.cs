using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Storage;

/// <summary>Picks the log store the options ask for.</summary>
internal static partial class LogStores
{
    private const string FileLogStoreTypeName = "AspirePipeline.Broker.Storage.FileLogStore";

    public static ILogStore Create(BrokerOptions options, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger(typeof(LogStores).FullName!);
        if (options.InMemory)
        {
            LogInMemory(logger);
            return new InMemoryLogStore();
        }

        // Looked up by name while the durable store is developed in parallel; it is used as soon as it is compiled in.
        var fileStoreType = typeof(LogStores).Assembly.GetType(FileLogStoreTypeName);
        if (fileStoreType is null)
        {
            LogNoDurableStore(logger, options.DataDir);
            return new InMemoryLogStore();
        }

        Directory.CreateDirectory(options.DataDir!);
        LogDurable(logger, Path.GetFullPath(options.DataDir!));
        return (ILogStore)Activator.CreateInstance(fileStoreType, options.DataDir!, loggerFactory)!;
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Storage: in memory (nothing survives a restart)")]
    private static partial void LogInMemory(ILogger logger);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "Storage: the durable file store is not built into this broker, so {DataDir} is not used and data is kept in memory")]
    private static partial void LogNoDurableStore(ILogger logger, string? dataDir);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Storage: segment files under {DataDir}")]
    private static partial void LogDurable(ILogger logger, string dataDir);
}
