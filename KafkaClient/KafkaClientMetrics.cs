using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AspirePipeline.KafkaClient;

/// <summary>
/// Kafka client metrics (Meter <see cref="MeterName"/>): librdkafka statistics as <c>messaging.kafka.*</c>, and the
/// OpenTelemetry messaging helpers <c>messaging.publish.*</c> / <c>messaging.receive.*</c> that producers and
/// consumers record around their own calls. Registered once per service by <c>AddKafkaProducer</c>/<c>AddKafkaConsumer</c>.
/// </summary>
public sealed class KafkaClientMetrics
{
    public const string MeterName = "AspirePipeline.KafkaClient";

    private readonly ConcurrentDictionary<string, KafkaStatistics> _latest = new(StringComparer.Ordinal);
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _publishMessages;
    private readonly Histogram<double> _receiveDuration;
    private readonly Counter<long> _receiveMessages;

    public KafkaClientMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);

        _publishDuration = meter.CreateHistogram<double>("messaging.publish.duration", "s",
            "Time from handing a message to the client until the broker acknowledged it.");
        _publishMessages = meter.CreateCounter<long>("messaging.publish.messages", "{message}",
            "Messages the broker acknowledged or rejected (error.type set).");
        _receiveDuration = meter.CreateHistogram<double>("messaging.receive.duration", "s",
            "Time a consume call took to return a message.");
        _receiveMessages = meter.CreateCounter<long>("messaging.receive.messages", "{message}",
            "Messages received from the broker.");

        Counter(meter, "messaging.kafka.network.tx", "{request}", "Requests sent to brokers.", s => s.Tx);
        Counter(meter, "messaging.kafka.network.transmitted", "By", "Bytes sent to brokers.", s => s.TxBytes);
        Counter(meter, "messaging.kafka.network.rx", "{response}", "Responses received from brokers.", s => s.Rx);
        Counter(meter, "messaging.kafka.network.received", "By", "Bytes received from brokers.", s => s.RxBytes);
        Counter(meter, "messaging.kafka.message.tx", "{message}", "Messages sent to brokers.", s => s.TxMessages);
        Counter(meter, "messaging.kafka.message.transmitted", "By", "Message bytes sent to brokers.", s => s.TxMessageBytes);
        Counter(meter, "messaging.kafka.message.rx", "{message}", "Messages consumed from brokers.", s => s.RxMessages);
        Counter(meter, "messaging.kafka.message.received", "By", "Message bytes consumed from brokers.", s => s.RxMessageBytes);
        Gauge(meter, "messaging.kafka.producer.queue.message_count", "{message}", "Messages waiting in the producer queue.",
            s => s.IsConsumer ? null : s.QueuedMessages);
        Gauge(meter, "messaging.kafka.producer.queue.size", "By", "Bytes waiting in the producer queue.",
            s => s.IsConsumer ? null : s.QueuedBytes);
        Gauge(meter, "messaging.kafka.producer.queue.max_message_count", "{message}", "Producer queue capacity in messages.",
            s => s.IsConsumer ? null : s.MaxQueuedMessages);
        Gauge(meter, "messaging.kafka.producer.queue.max_size", "By", "Producer queue capacity in bytes.",
            s => s.IsConsumer ? null : s.MaxQueuedBytes);
        Gauge(meter, "messaging.kafka.consumer.queue.message_count", "{event}", "Events waiting for the consumer to poll.",
            s => s.IsConsumer ? s.ReplyQueue : null);
        meter.CreateObservableGauge("messaging.kafka.consumer.lag", ObserveLag, "{message}",
            "Messages between the consumer's position and the partition's end, per partition.");
    }

    /// <summary>Records one publish outcome; <paramref name="errorType"/> is null on success (e.g. the Kafka error code otherwise).</summary>
    public void RecordPublish(string topic, TimeSpan duration, string? errorType = null)
    {
        var tags = Tags(topic, null, errorType);
        _publishDuration.Record(duration.TotalSeconds, tags);
        _publishMessages.Add(1, tags);
    }

    /// <summary>Records one consume call that returned a message.</summary>
    public void RecordReceive(string topic, string? consumerGroup, TimeSpan duration, string? errorType = null)
    {
        var tags = Tags(topic, consumerGroup, errorType);
        _receiveDuration.Record(duration.TotalSeconds, tags);
        _receiveMessages.Add(1, tags);
    }

    /// <summary>
    /// The fetch state of this process's consumer from its latest statistics (null before the first, or without a
    /// consumer): where its partitions' messages are, how many fetches it sent, the brokers' round trip.
    /// </summary>
    public ConsumerFetchState? LatestConsumerFetchState() =>
        _latest.Values.FirstOrDefault(statistics => statistics.IsConsumer) is { } consumer
            ? new ConsumerFetchState(consumer.FetchRequests, consumer.RttAverageMicros / 1000.0, consumer.Partitions)
            : null;

    /// <summary>Latest statistics of a client by librdkafka name; used by tests and health reporting.</summary>
    internal KafkaStatistics? Latest(string clientName) => _latest.GetValueOrDefault(clientName);

    internal KafkaStatistics OnStatistics(string json, string? consumerGroup)
    {
        var statistics = KafkaStatistics.Parse(json, consumerGroup);
        _latest[statistics.ClientName] = statistics;
        return statistics;
    }

    private static TagList Tags(string topic, string? consumerGroup, string? errorType)
    {
        var tags = new TagList
        {
            { MessagingTags.System, MessagingTags.SystemKafka },
            { MessagingTags.DestinationName, topic },
        };
        if (consumerGroup is not null)
        {
            tags.Add(MessagingTags.ConsumerGroupName, consumerGroup);
        }
        if (errorType is not null)
        {
            tags.Add(MessagingTags.ErrorType, errorType);
        }
        return tags;
    }

    private void Counter(Meter meter, string name, string unit, string description, Func<KafkaStatistics, long> value) =>
        meter.CreateObservableCounter(name, () => Observe(s => value(s)), unit, description);

    private void Gauge(Meter meter, string name, string unit, string description, Func<KafkaStatistics, long?> value) =>
        meter.CreateObservableGauge(name, () => Observe(value), unit, description);

    private IEnumerable<Measurement<long>> Observe(Func<KafkaStatistics, long?> value)
    {
        foreach (var statistics in _latest.Values)
        {
            if (value(statistics) is { } measured)
            {
                yield return new Measurement<long>(measured,
                    new KeyValuePair<string, object?>(MessagingTags.System, MessagingTags.SystemKafka),
                    new KeyValuePair<string, object?>(MessagingTags.ClientId, statistics.ClientName));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var statistics in _latest.Values)
        {
            foreach (var lag in statistics.Lags)
            {
                yield return new Measurement<long>(lag.Lag,
                    new KeyValuePair<string, object?>(MessagingTags.System, MessagingTags.SystemKafka),
                    new KeyValuePair<string, object?>(MessagingTags.ConsumerGroupName, statistics.ConsumerGroup),
                    new KeyValuePair<string, object?>(MessagingTags.DestinationName, lag.Topic),
                    new KeyValuePair<string, object?>(MessagingTags.KafkaPartition, lag.Partition));
            }
        }
    }
}
