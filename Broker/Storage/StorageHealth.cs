using AspirePipeline.Broker.Telemetry;
using AspirePipeline.Contracts;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Storage;

/// <summary>
/// Whether the data directory takes writes. A failed append (a full file system, an I/O error) turns it unhealthy
/// and logs one error naming the directory and its free space; the next append that succeeds with at least
/// <see cref="RecoveredFreeBytes"/> free turns it healthy again and logs that once. Produce answers KAFKA_STORAGE_ERROR
/// meanwhile; DescribeConfigs reports the state to the AppHost's health check (broker config <see cref="ConfigName"/>).
/// </summary>
internal sealed partial class StorageHealth(ILogStore store, BrokerMetrics metrics, ILogger<StorageHealth> logger)
{
    /// <summary>Read-only broker config carrying the problem while there is one (null when the storage is fine).</summary>
    public const string ConfigName = BrokerContract.StorageErrorConfig;

    /// <summary>Free space that counts as recovered: a few of the largest batches the default limits allow.</summary>
    public const long RecoveredFreeBytes = 4L << 20;

    private readonly Lock _gate = new();
    private volatile string? _problem;

    public bool IsHealthy => _problem is null;

    /// <summary>What is wrong, for health reports; null while writes succeed.</summary>
    public string? Problem => _problem;

    /// <summary>A write to the data directory failed; logs only when this starts a failure.</summary>
    public void WriteFailed(string what, IOException exception)
    {
        metrics.StorageError();
        lock (_gate)
        {
            if (_problem is not null)
            {
                return;
            }

            var directory = store.DataDirectory ?? "(in memory)";
            var free = FreeBytes();
            _problem = $"writes to the data directory {directory} fail ({exception.Message}); {free} bytes free. "
                + "Produce is answered with KAFKA_STORAGE_ERROR until space is freed (retention, or deleting files).";
            LogStorageFailed(logger, directory, free, what, exception.Message, exception);
        }
    }

    /// <summary>
    /// A write succeeded; ends a failure (one log line) once the file system has room again. Cheap when healthy: one
    /// volatile read.
    /// </summary>
    public void WriteSucceeded()
    {
        if (_problem is null)
        {
            return;
        }

        lock (_gate)
        {
            // On a nearly full disk small batches (results) still fit while large ones (frames) do not: without this
            // margin every alternation would log a failure and a recovery.
            var free = FreeBytes();
            if (_problem is null || (free >= 0 && free < RecoveredFreeBytes))
            {
                return;
            }

            _problem = null;
            LogStorageRecovered(logger, store.DataDirectory ?? "(in memory)", free);
        }
    }

    /// <summary>Free bytes of the file system holding the data directory, or -1 when unknown.</summary>
    public long FreeBytes()
    {
        if (store.DataDirectory is not { } directory)
        {
            return -1;
        }

        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    [LoggerMessage(EventId = 3030, Level = LogLevel.Error,
        Message = "Storage failure: writes to the data directory {DataDir} fail ({FreeBytes} bytes free) while {Operation}: " +
            "{Reason}. Produce is answered with KAFKA_STORAGE_ERROR until a write succeeds again; " +
            "free space (retention, or delete files) and the broker resumes by itself")]
    private static partial void LogStorageFailed(ILogger logger, string dataDir, long freeBytes, string operation, string reason,
        Exception exception);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Warning,
        Message = "Storage recovered: the data directory {DataDir} takes writes again ({FreeBytes} bytes free)")]
    private static partial void LogStorageRecovered(ILogger logger, string dataDir, long freeBytes);
}
