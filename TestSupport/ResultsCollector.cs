using System.Text.Json;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Reporting;
using Confluent.Kafka;

namespace AspirePipeline.TestSupport;

/// <summary>
/// Reads the consumers' results topic (<see cref="FrameTopics.Analysis"/>) from the beginning with its own consumer
/// group, on its own thread, for as long as it lives: every record as the services wrote it. Tests wait on conditions
/// over everything read so far; benchmarks take the records of a time window. Its own CPU is the reader's, not the
/// pipeline's.
/// </summary>
public sealed class ResultsCollector : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);
    private const int UnreadableKept = 3;

    private readonly List<AnalysisRecord> _records = [];
    private readonly List<string> _unreadable = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _unreadableCount;
    private Exception? _failure;
    private int _disposed;

    /// <summary>Starts reading <paramref name="topic"/> from its beginning.</summary>
    /// <param name="bootstrapServers">The Kafka bootstrap servers.</param>
    /// <param name="topic">The results topic; <see cref="FrameTopics.Analysis"/> in the pipeline.</param>
    public ResultsCollector(string bootstrapServers, string topic = FrameTopics.Analysis)
    {
        var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"results-collector-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        _thread = new Thread(() => Run(consumer)) { IsBackground = true, Name = "results-collector" };
        _thread.Start();
    }

    /// <summary>How many messages were not a readable record (counted, not thrown: the reader keeps going).</summary>
    public long Unreadable => Interlocked.Read(ref _unreadableCount);

    /// <summary>Every record read so far, in the order read.</summary>
    public IReadOnlyList<AnalysisRecord> Snapshot()
    {
        lock (_records)
        {
            return [.. _records];
        }
    }

    /// <summary>
    /// The records processed (<see cref="AnalysisRecord.ProcessedTimestamp"/>) in [<paramref name="from"/>,
    /// <paramref name="to"/>).
    /// </summary>
    public IReadOnlyList<AnalysisRecord> Between(DateTimeOffset from, DateTimeOffset to) =>
        [.. Snapshot().Where(record => record.ProcessedTimestamp >= from && record.ProcessedTimestamp < to)];

    /// <summary>
    /// Waits until <paramref name="condition"/> holds over the records read so far and returns them; re-checked as
    /// each batch arrives.
    /// </summary>
    /// <param name="condition">What the records read so far must show.</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="describe">Called on failure with the records read: what was awaited and what was seen instead.</param>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">Reading the topic failed.</exception>
    public async Task<IReadOnlyList<AnalysisRecord>> WaitUntilAsync(Func<IReadOnlyList<AnalysisRecord>, bool> condition,
        TimeSpan timeout, Func<IReadOnlyList<AnalysisRecord>, string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task arrived;
            lock (_records)
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
                string unreadable;
                lock (_records)
                {
                    unreadable = string.Join(" | ", _unreadable);
                }
                throw new TimeoutException(
                    $"Not reached within {timeout}: {describe(snapshot)} ({snapshot.Count} results read; unreadable: {unreadable})");
            }

            // Woken by the next batch of records, or re-checked at the deadline.
            await Task.WhenAny(arrived, Task.Delay(remaining)).ConfigureAwait(false);
        }
    }

    private void Run(IConsumer<Ignore, byte[]> consumer)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]>? message;
                try
                {
                    message = consumer.Consume(PollInterval);
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    // E.g. the topic not created yet: librdkafka keeps trying.
                    continue;
                }
                if (message?.Message?.Value is { } value)
                {
                    Add(value);
                }
            }
        }
        catch (Exception exception) when (exception is KafkaException or InvalidOperationException)
        {
            _failure = exception;
            lock (_records)
            {
                _arrived.TrySetResult();
            }
        }
        finally
        {
            consumer.Close();
            consumer.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Add(byte[] value)
    {
        AnalysisRecord? record = null;
        try
        {
            record = JsonSerializer.Deserialize<AnalysisRecord>(value, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
        }

        lock (_records)
        {
            if (record is null)
            {
                Interlocked.Increment(ref _unreadableCount);
                if (_unreadable.Count < UnreadableKept)
                {
                    _unreadable.Add(System.Text.Encoding.UTF8.GetString(value));
                }
            }
            else
            {
                _records.Add(record);
            }
            _arrived.TrySetResult();
            _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Stops reading and closes the consumer (leaving its group).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _stopped.Task.WaitAsync(StopTimeout).ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    /// <summary>Stops reading and closes the consumer (leaving its group).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            _thread.Join(StopTimeout);
            _stop.Dispose();
        }
    }
}
