using System.Text.Json;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Reporting;
using Confluent.Kafka;

namespace AspirePipeline.NetworkLab;

/// <summary>What one analysis host wrote to the results topic in an interval: how many results, of which partitions.</summary>
internal sealed record HostResults(int Count, IReadOnlyList<int> Partitions);

/// <summary>
/// Reads the results topic (<see cref="FrameTopics.Analysis"/>) from this machine, on its own thread, with a group of
/// its own, and counts the records of <see cref="Lab.Group"/> by the host that wrote them (a record's
/// <see cref="AnalysisRecord.Instance"/>) and the frames partition they analysed. Only counts are kept, so the lab can
/// run for hours.
/// </summary>
internal sealed class ResultsWatch : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, (int Count, SortedSet<int> Partitions)> _interval = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public ResultsWatch(string bootstrapServers)
    {
        var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "network-lab-watch",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        })
            // librdkafka's own lines (the broker gone while everything is torn down) would land on the console unprefixed;
            // the services' logs already say what the network does.
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
        consumer.Subscribe(FrameTopics.Analysis);
        _thread = new Thread(() => Run(consumer)) { IsBackground = true, Name = "results-watch" };
        _thread.Start();
    }

    /// <summary>Each host's results since the last call (hosts with none are absent).</summary>
    public IReadOnlyDictionary<string, HostResults> TakeInterval()
    {
        lock (_interval)
        {
            var taken = _interval.ToDictionary(pair => pair.Key, pair => new HostResults(pair.Value.Count, [.. pair.Value.Partitions]));
            _interval.Clear();
            return taken;
        }
    }

    private void Run(IConsumer<Ignore, byte[]> consumer)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    if (consumer.Consume(PollInterval)?.Message?.Value is { } value)
                    {
                        Count(value);
                    }
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    // The topic not there yet, the broker restarting: librdkafka keeps trying.
                }
            }
        }
        finally
        {
            consumer.Close();
            consumer.Dispose();
        }
    }

    private void Count(byte[] value)
    {
        AnalysisRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<AnalysisRecord>(value, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return;
        }
        if (record is null || record.Group != Lab.Group)
        {
            return;
        }
        lock (_interval)
        {
            var (count, partitions) = _interval.TryGetValue(record.Instance, out var seen) ? seen : (0, new SortedSet<int>());
            partitions.Add(record.Partition);
            _interval[record.Instance] = (count + 1, partitions);
        }
    }

    /// <summary>Stops reading and closes the consumer.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(StopTimeout);
        _stop.Dispose();
    }
}
