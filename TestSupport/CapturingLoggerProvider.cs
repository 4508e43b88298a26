using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.TestSupport;

/// <summary>One log entry as an operator would read it.</summary>
/// <param name="Level">Its level.</param>
/// <param name="Category">The logger category (usually the logging type's full name).</param>
/// <param name="EventId">Its event id, as the code logged it.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Exception">The exception logged with it, if any.</param>
public sealed record LogEntry(LogLevel Level, string Category, EventId EventId, string Message, Exception? Exception);

/// <summary>
/// Keeps what is logged, so tests assert on what an operator would read and failure messages can show recent logs.
/// Usable as a provider (<c>logging.AddProvider</c>) and, directly, as the <see cref="ILoggerFactory"/> of code under
/// test that takes one.
/// </summary>
/// <param name="minimumLevel">Entries below this level are not kept (and the loggers say they are disabled).</param>
/// <param name="keptPerCategory">
/// How many of each category's latest entries are kept; all when null. A long-running host's resources log forever.
/// </param>
public sealed class CapturingLoggerProvider(LogLevel minimumLevel = LogLevel.Trace, int? keptPerCategory = null) : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(long Order, LogEntry Entry)>> _categories = new();
    private long _order;

    /// <summary>The entries kept so far, in the order they were logged.</summary>
    public IReadOnlyList<LogEntry> Entries =>
        [.. _categories.Values.SelectMany(queue => queue).OrderBy(entry => entry.Order).Select(entry => entry.Entry)];

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, _categories.GetOrAdd(categoryName, _ => new()));

    /// <summary>Ignored: as a factory, every logger writes here and nowhere else.</summary>
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Entries stay readable after the host that logged them is gone.
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category, ConcurrentQueue<(long, LogEntry)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            entries.Enqueue((Interlocked.Increment(ref owner._order),
                new LogEntry(logLevel, category, eventId, formatter(state, exception), exception)));
            while (owner.KeptPerCategory is { } kept && entries.Count > kept && entries.TryDequeue(out _))
            {
            }
        }
    }

    private LogLevel MinimumLevel => minimumLevel;

    private int? KeptPerCategory => keptPerCategory;
}
