using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace AspirePipeline.Broker.Storage;

/// <summary>
/// Durable storage under one data directory: a folder <c>&lt;topic&gt;-&lt;partition&gt;</c> of segment files per
/// partition (<see cref="FilePartitionLog"/>) and the committed group offsets (<see cref="FileOffsetStore"/>).
/// A <c>.lock</c> file held exclusively keeps a second broker off the same directory.
/// Retention is applied by whoever owns the store calling <see cref="IPartitionLog.ApplyRetention"/> on each open
/// partition periodically (e.g. every 30 s); see <see cref="ApplyRetention"/> for all of them at once.
/// </summary>
internal sealed partial class FileLogStore : ILogStore
{
    private readonly FileLogStoreOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SafeFileHandle _directoryLock;
    private readonly FileOffsetStore _offsets;
    private readonly ConcurrentDictionary<(string Topic, int Partition), FilePartitionLog> _logs = new();
    private readonly Lock _openLock = new();
    private readonly Timer? _flushTimer;
    private bool _disposed;

    public FileLogStore(string dataDir, ILoggerFactory loggerFactory)
        : this(new FileLogStoreOptions { DataDirectory = dataDir }, loggerFactory)
    {
    }

    public FileLogStore(FileLogStoreOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new ArgumentException("The data directory is empty: pass --data-dir <folder> (or Broker:Storage:DataDirectory).", nameof(options));
        }

        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<FileLogStore>();
        Directory.CreateDirectory(options.DataDirectory);
        var lockPath = Path.Combine(options.DataDirectory, ".lock");
        try
        {
            _directoryLock = File.OpenHandle(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException(
                $"The data directory {options.DataDirectory} is in use by another broker ({lockPath} is locked); " +
                "stop it or choose another --data-dir.", e);
        }

        try
        {
            ExistingTopics = FindTopics(options.DataDirectory);
            _offsets = new FileOffsetStore(options.DataDirectory, _logger);
        }
        catch
        {
            _directoryLock.Dispose();
            throw;
        }

        if (options.FlushIntervalMs > 0)
        {
            _flushTimer = new Timer(_ => Flush(), null, options.FlushIntervalMs, options.FlushIntervalMs);
        }

        LogOpened(_logger, options.DataDirectory, ExistingTopics.Count, options.SegmentBytes, options.FlushIntervalMs);
    }

    public IReadOnlyDictionary<string, int> ExistingTopics { get; }

    public IOffsetStore Offsets => _offsets;

    public int DefaultSegmentBytes => _options.SegmentBytes;

    public string? DataDirectory => _options.DataDirectory;

    /// <summary>
    /// Topic config overrides live in <c>.topic-configs/&lt;topic&gt;.properties</c> (one <c>key=value</c> a line), beside
    /// the partition folders; the folder name cannot be mistaken for a partition.
    /// </summary>
    public IReadOnlyDictionary<string, string> ReadTopicConfig(string topic)
    {
        ValidateTopicName(topic);
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = TopicConfigPath(topic);
        if (!File.Exists(path))
        {
            return configs;
        }

        foreach (var line in File.ReadLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                configs[line[..equals]] = line[(equals + 1)..];
            }
        }

        return configs;
    }

    public void WriteTopicConfig(string topic, IReadOnlyDictionary<string, string> configs)
    {
        ValidateTopicName(topic);
        var path = TopicConfigPath(topic);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written beside and renamed over, so a crash or a full disk leaves the old file or the new one, never half.
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream))
            {
                foreach (var (key, value) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    writer.Write(key);
                    writer.Write('=');
                    writer.Write(value);
                    writer.Write('\n');
                }

                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private string TopicConfigPath(string topic) => Path.Combine(_options.DataDirectory, ".topic-configs", topic + ".properties");

    public IPartitionLog OpenPartition(string topic, int partition)
    {
        ValidateTopicName(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        if (_logs.TryGetValue((topic, partition), out var log))
        {
            return log;
        }

        lock (_openLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_logs.TryGetValue((topic, partition), out log))
            {
                var name = $"{topic}-{partition}";
                log = FilePartitionLog.Open(Path.Combine(_options.DataDirectory, name), name, _options,
                    _loggerFactory.CreateLogger<FilePartitionLog>());
                _logs[(topic, partition)] = log;
            }

            return log;
        }
    }

    public void DeleteTopic(string topic)
    {
        ValidateTopicName(topic);
        lock (_openLock)
        {
            foreach (var key in _logs.Keys.Where(k => k.Topic == topic).ToList())
            {
                if (_logs.TryRemove(key, out var log))
                {
                    log.Dispose();
                }
            }

            foreach (var directory in Directory.EnumerateDirectories(_options.DataDirectory))
            {
                if (TryParsePartitionFolder(Path.GetFileName(directory), out var folderTopic, out _) && folderTopic == topic)
                {
                    Directory.Delete(directory, recursive: true);
                }
            }

            if (File.Exists(TopicConfigPath(topic)))
            {
                File.Delete(TopicConfigPath(topic));
            }
        }

        LogTopicDeleted(_logger, topic);
    }

    /// <summary>Applies the same retention to every open partition; the broker calls this on a timer.</summary>
    public void ApplyRetention(long? retentionBytes, TimeSpan? retentionAge, DateTimeOffset now)
    {
        foreach (var log in _logs.Values)
        {
            _ = log.ApplyRetention(retentionBytes, retentionAge, now);
        }
    }

    private void Flush()
    {
        try
        {
            foreach (var log in _logs.Values)
            {
                log.Flush();
            }

            _offsets.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            LogFlushFailed(_logger, e);
        }
    }

    public void Dispose()
    {
        lock (_openLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _flushTimer?.Dispose();
        foreach (var log in _logs.Values)
        {
            log.Dispose();
        }

        _logs.Clear();
        _offsets.Flush();
        _offsets.Dispose();
        _directoryLock.Dispose();
    }

    private static Dictionary<string, int> FindTopics(string dataDirectory)
    {
        var topics = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories(dataDirectory))
        {
            if (TryParsePartitionFolder(Path.GetFileName(directory), out var topic, out var partition))
            {
                topics[topic] = Math.Max(topics.GetValueOrDefault(topic), partition + 1);
            }
        }

        return topics;
    }

    private static bool TryParsePartitionFolder(string name, out string topic, out int partition)
    {
        var match = PartitionFolder().Match(name);
        topic = match.Success ? match.Groups[1].Value : "";
        partition = match.Success && int.TryParse(match.Groups[2].ValueSpan, out var p) ? p : -1;
        return partition >= 0;
    }

    /// <summary>Kafka's topic name rule, which also keeps names safe as folder names.</summary>
    private static void ValidateTopicName(string topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > 249 || topic is "." or ".." || !TopicName().IsMatch(topic))
        {
            throw new ArgumentException(
                $"Invalid topic name '{topic}': use 1-249 characters of a-z, A-Z, 0-9, '.', '_' or '-' (not '.' or '..').",
                nameof(topic));
        }
    }

    [GeneratedRegex(@"^([A-Za-z0-9._-]+)-([0-9]{1,9})$")]
    private static partial Regex PartitionFolder();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+$")]
    private static partial Regex TopicName();

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information,
        Message = "Log store opened at {DataDirectory} with {TopicCount} existing topics " +
            "(segment size {SegmentBytes} bytes, flush interval {FlushIntervalMs} ms)")]
    private static partial void LogOpened(ILogger logger, string dataDirectory, int topicCount, int segmentBytes,
        int flushIntervalMs);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Topic {Topic} deleted from the log store")]
    private static partial void LogTopicDeleted(ILogger logger, string topic);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Error, Message = "Periodic fsync of the log store failed")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
