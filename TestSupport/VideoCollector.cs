using System.Globalization;
using System.Text;
using AspirePipeline.Contracts;
using AspirePipeline.Recording;
using Confluent.Kafka;

namespace AspirePipeline.TestSupport;

/// <summary>
/// Reads the recorded cameras' topic (<see cref="FrameTopics.Video"/>) from the beginning with its own consumer group,
/// on its own thread, for as long as it lives, keeping each message's headers and size (<see cref="VideoMessage"/>),
/// not its payload: what a check that nothing is missing from a recording needs, for many cameras over minutes.
/// A message without the video headers is counted (<see cref="Unreadable"/>), not kept.
/// </summary>
public sealed class VideoCollector : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly List<VideoMessage> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _unreadable;
    private Exception? _failure;
    private int _disposed;

    /// <summary>Starts reading <paramref name="topic"/> from its beginning.</summary>
    /// <param name="bootstrapServers">The Kafka bootstrap servers.</param>
    /// <param name="topic">The recordings' topic; <see cref="FrameTopics.Video"/> in the pipeline.</param>
    public VideoCollector(string bootstrapServers, string topic = FrameTopics.Video)
    {
        var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"video-collector-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        _thread = new Thread(() => Run(consumer)) { IsBackground = true, Name = "video-collector" };
        _thread.Start();
    }

    /// <summary>Messages read that lacked a key or a readable <c>video.sequence</c> or <c>video.capture-time-us</c>.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>How many messages were kept so far.</summary>
    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Every message kept so far, in the order read (per partition, the log's order).</summary>
    /// <exception cref="InvalidOperationException">Reading the topic failed.</exception>
    public IReadOnlyList<VideoMessage> Snapshot()
    {
        if (_failure is not null)
        {
            throw new InvalidOperationException($"Reading {FrameTopics.Video} failed.", _failure);
        }
        lock (_messages)
        {
            return [.. _messages];
        }
    }

    private void Run(IConsumer<string, byte[]> consumer)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                ConsumeResult<string, byte[]>? result;
                try
                {
                    result = consumer.Consume(PollInterval);
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    // E.g. the topic not created yet: librdkafka keeps trying.
                    continue;
                }
                if (result?.Message is { } message)
                {
                    Add(result, message);
                }
            }
        }
        catch (Exception exception) when (exception is KafkaException or InvalidOperationException)
        {
            _failure = exception;
        }
        finally
        {
            consumer.Close();
            consumer.Dispose();
        }
    }

    private void Add(ConsumeResult<string, byte[]> result, Message<string, byte[]> message)
    {
        string? Header(string name) => message.Headers?.TryGetLastBytes(name, out var bytes) == true ? Encoding.ASCII.GetString(bytes) : null;
        static long? Number(string? text) =>
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
        if (message.Key is not { Length: > 0 } camera
            || Number(Header(VideoHeaders.Sequence)) is not { } sequence
            || Number(Header(VideoHeaders.CaptureTimestamp)) is not { } captureMicros)
        {
            Interlocked.Increment(ref _unreadable);
            return;
        }
        var kept = new VideoMessage(camera, sequence, Number(Header(VideoHeaders.Pts)), Header(VideoHeaders.Keyframe) == "1",
            DateTimeOffset.UnixEpoch.AddTicks(captureMicros * TimeSpan.TicksPerMicrosecond), message.Value?.Length ?? 0,
            result.Partition.Value, result.Offset.Value);
        lock (_messages)
        {
            _messages.Add(kept);
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
