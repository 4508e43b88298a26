using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>
/// Reads the consumers' results topic (<c>frames.analysis</c>): every processed frame's capture-to-processed latency
/// per group, exactly as the services computed it. Its own CPU is the benchmark's, not the pipeline's.
/// </summary>
internal sealed class ResultsCollector : IDisposable
{
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ProcessedFrame> _frames = new();
    private long _unreadable;

    public ResultsCollector(string bootstrapServers, string topic)
    {
        _consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"bench-results-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            AllowAutoCreateTopics = true,
        }).Build();
        _consumer.Subscribe(topic);
        _thread = new Thread(Run) { IsBackground = true, Name = "bench-results" };
        _thread.Start();
    }

    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Frames each group processed between two wall-clock instants.</summary>
    public IReadOnlyList<ProcessedFrame> Between(DateTimeOffset from, DateTimeOffset to) =>
        _frames.Where(frame => frame.ProcessedAt >= from && frame.ProcessedAt < to).ToList();

    private void Run()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]> result;
                try
                {
                    result = _consumer.Consume(_stop.Token);
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    continue;
                }
                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }
                try
                {
                    using var record = JsonDocument.Parse(value);
                    var root = record.RootElement;
                    _frames.Enqueue(new ProcessedFrame(
                        root.GetProperty("group").GetString() ?? "?",
                        root.GetProperty("processedTimestamp").GetDateTimeOffset(),
                        root.TryGetProperty("latencyMs", out var latency) && latency.ValueKind == JsonValueKind.Number ? latency.GetDouble() : null));
                }
                catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    Interlocked.Increment(ref _unreadable);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }
}

internal sealed record ProcessedFrame(string Group, DateTimeOffset ProcessedAt, double? LatencyMs);
