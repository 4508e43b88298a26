using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Tests.Publishing;

/// <summary>
/// Records what the AppHost logs at Error: a failed publish step does not make <c>RunAsync</c> throw, the pipeline
/// logs the failure and stops the host, and the log is what the person running <c>aspire publish</c> reads.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Message, Exception? Exception)> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Errors.Enqueue((formatter(state, exception), exception));
            }
        }
    }
}
