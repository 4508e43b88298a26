using Confluent.Kafka;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// Reads the results topic from the beginning with its own consumer group, on its own thread, for as long as the
/// fixture lives; tests wait on conditions over everything read so far.
/// </summary>
public sealed class ResultsCollector : IAsyncDisposable
{
    private readonly List<AnalysisResult> _results = [];
    private readonly List<string> _unreadable = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    public ResultsCollector(string bootstrapServers, string topic)
    {
        var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"pipeline-tests-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        _loop = Task.Factory.StartNew(() => Run(consumer), TaskCreationOptions.LongRunning);
    }

    public IReadOnlyList<AnalysisResult> Snapshot()
    {
        lock (_results)
        {
            return [.. _results];
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the results read so far, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<AnalysisResult>> WaitUntilAsync(Func<IReadOnlyList<AnalysisResult>, bool> condition, TimeSpan timeout, Func<IReadOnlyList<AnalysisResult>, string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task arrived;
            lock (_results)
            {
                arrived = _arrived.Task;
            }

            if (_failure is not null)
            {
                throw new InvalidOperationException("Reading the results topic failed.", _failure);
            }

            var snapshot = Snapshot();
            if (condition(snapshot))
            {
                return snapshot;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                Assert.Fail($"Not reached within {timeout}: {describe(snapshot)} ({snapshot.Count} results read; unreadable: {string.Join(" | ", _unreadable.Take(3))})");
            }

            // Woken by the next batch of results, or re-checked at the deadline.
            await Task.WhenAny(arrived, Task.Delay(remaining)).ConfigureAwait(false);
        }
    }

    private void Run(IConsumer<string, string> consumer)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var message = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (message?.Message?.Value is not { } json)
                {
                    continue;
                }

                lock (_results)
                {
                    try
                    {
                        _results.Add(AnalysisResult.Parse(json));
                    }
                    catch (Exception exception) when (exception is FormatException or System.Text.Json.JsonException)
                    {
                        _unreadable.Add(json);
                    }

                    _arrived.TrySetResult();
                    _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        catch (Exception exception) when (exception is KafkaException or InvalidOperationException)
        {
            _failure = exception;
            lock (_results)
            {
                _arrived.TrySetResult();
            }
        }
        finally
        {
            consumer.Close();
            consumer.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
