using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;

namespace AspirePipeline.Bench;

/// <summary>
/// The broker benchmark's consumer, run as its own process (the Bench binary started again with the hidden
/// <c>broker-consume-worker</c> command) so it does not share a runtime, a thread pool or a GC with the producer.
/// Talks to the parent on stdout: <c>assigned</c> once the group has given it partitions, <c>primed</c> once it has
/// received the parent's primer messages (one per partition, so every partition's fetch is known to be running before
/// anything is timed; they are not counted), <c>progress N</c> about every 250 ms, and one final <c>result {json}</c> line.
/// </summary>
/// <remarks>
/// Every message carries, in its first 8 bytes, the <see cref="Stopwatch"/> timestamp of the producer's Produce call.
/// Stopwatch is CLOCK_MONOTONIC on Linux, one clock for every process of the machine, so the consumer can tell how
/// long each message took from the producer's call to its own hands.
/// </remarks>
internal static class BrokerConsumeWorker
{
    public const string Command = "broker-consume-worker";

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new CommandLine(args);
        string Value(string name) => options.Required(name, Command);

        var bootstrap = Value("--bootstrap");
        var topic = Value("--topic");
        var count = int.Parse(Value("--count"), CultureInfo.InvariantCulture);
        var primer = int.Parse(Value("--primer"), CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromSeconds(int.Parse(Value("--timeout-seconds"), CultureInfo.InvariantCulture));

        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"bench-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchMaxBytes = 64 * 1024 * 1024,
            MaxPartitionFetchBytes = 16 * 1024 * 1024,
            FetchWaitMaxMs = 100,
        }).Build();
        consumer.Subscribe(topic);

        var delays = new long[count];
        var consumed = 0;
        var primed = 0;
        long bytes = 0, first = 0, last = 0;
        var assigned = false;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var nextProgress = Stopwatch.GetTimestamp();
        while (consumed < count && Stopwatch.GetTimestamp() < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            var now = Stopwatch.GetTimestamp();
            // Asking librdkafka for the assignment copies it: only until the group has assigned partitions.
            if (!assigned && consumer.Assignment.Count > 0)
            {
                assigned = true;
                Console.Out.WriteLine("assigned");
                Console.Out.Flush();
            }

            if (result?.Message?.Value is { Length: >= sizeof(long) } && primed < primer)
            {
                if (++primed == primer)
                {
                    Console.Out.WriteLine("primed");
                    Console.Out.Flush();
                }
            }
            else if (result?.Message?.Value is { Length: >= sizeof(long) } value)
            {
                first = consumed == 0 ? now : first;
                last = now;
                delays[consumed++] = now - BinaryPrimitives.ReadInt64LittleEndian(value);
                bytes += value.Length;
            }

            if (now >= nextProgress)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress {consumed}"));
                Console.Out.Flush();
                nextProgress = now + (Stopwatch.Frequency / 4);
            }
        }

        consumer.Close();
        var taken = delays.AsSpan(0, consumed);
        taken.Sort();
        var report = new WorkerResult(
            consumed,
            bytes,
            first,
            last,
            Stopwatch.Frequency,
            ToMilliseconds(Quantile(taken, 0.50)),
            ToMilliseconds(Quantile(taken, 0.99)),
            ToMilliseconds(consumed > 0 ? taken[^1] : 0));
        Console.Out.WriteLine("result " + JsonSerializer.Serialize(report));
        Console.Out.Flush();
        return consumed == count ? 0 : 1;
    }

    private static long Quantile(ReadOnlySpan<long> sorted, double quantile) =>
        sorted.IsEmpty ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>What the worker saw: counts, its first and last receive times (Stopwatch ticks) and the delay quantiles.</summary>
    internal sealed record WorkerResult(
        int Consumed, long Bytes, long FirstTicks, long LastTicks, long TicksPerSecond, double DelayP50Ms, double DelayP99Ms, double DelayMaxMs);
}

/// <summary>The parent's side: starts the worker process and follows its stdout.</summary>
internal sealed class ConsumeWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _primed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<BrokerConsumeWorker.WorkerResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private int _consumed;

    private ConsumeWorkerProcess(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
    }

    public int Consumed => Volatile.Read(ref _consumed);

    public static async Task<ConsumeWorkerProcess> StartAsync(string bootstrap, string topic, int count, int primer, TimeSpan timeout)
    {
        // Under `dotnet run` the process is the apphost; under `dotnet <dll>` it is the muxer and needs the dll first.
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable to start for the consume worker");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BrokerConsumeWorker).Assembly.Location);
        }

        foreach (var argument in new[]
        {
            BrokerConsumeWorker.Command, "--bootstrap", bootstrap, "--topic", topic,
            "--count", count.ToString(CultureInfo.InvariantCulture),
            "--primer", primer.ToString(CultureInfo.InvariantCulture),
            "--timeout-seconds", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the consume worker");
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                Console.Error.WriteLine($"  [consume worker] {e.Data}");
            }
        };
        process.BeginErrorReadLine();
        var worker = new ConsumeWorkerProcess(process);
        await worker._assigned.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return worker;
    }

    public Task<BrokerConsumeWorker.WorkerResult> Result => _result.Task;

    /// <summary>Completes when the worker has received every primer message.</summary>
    public Task Primed => _primed.Task;

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == "assigned")
            {
                _assigned.TrySetResult();
            }
            else if (line == "primed")
            {
                _primed.TrySetResult();
            }
            else if (line.StartsWith("progress ", StringComparison.Ordinal))
            {
                Volatile.Write(ref _consumed, int.Parse(line.AsSpan("progress ".Length), CultureInfo.InvariantCulture));
            }
            else if (line.StartsWith("result ", StringComparison.Ordinal))
            {
                var result = JsonSerializer.Deserialize<BrokerConsumeWorker.WorkerResult>(line["result ".Length..])!;
                Volatile.Write(ref _consumed, result.Consumed);
                _result.TrySetResult(result);
            }
        }

        var failure = new InvalidOperationException(
            $"the consume worker ended without a result (exit code {(_process.HasExited ? _process.ExitCode : -1)})");
        _assigned.TrySetException(failure);
        _primed.TrySetException(failure);
        _result.TrySetException(failure);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
    }
}
