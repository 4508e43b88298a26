using Confluent.Kafka;

namespace AspirePipeline.TestSupport;

/// <summary>Reads messages with a Kafka consumer until enough came, with a deadline.</summary>
public static class Consume
{
    // Short enough to notice the deadline promptly, long enough not to spin.
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Consumes until <paramref name="received"/> (a new list when null) holds <paramref name="count"/> messages, and
    /// returns it; end-of-partition events are not messages.
    /// </summary>
    /// <param name="consumer">An assigned or subscribed consumer.</param>
    /// <param name="count">How many messages are awaited in all.</param>
    /// <param name="timeout">How long they may take.</param>
    /// <param name="received">Messages read before, which count towards <paramref name="count"/>; the new ones are added to it.</param>
    /// <exception cref="TimeoutException">Fewer came within <paramref name="timeout"/>.</exception>
    public static List<ConsumeResult<TKey, TValue>> AtLeast<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count, TimeSpan timeout,
        List<ConsumeResult<TKey, TValue>>? received = null)
    {
        received ??= new List<ConsumeResult<TKey, TValue>>(count);
        var deadline = DateTime.UtcNow + timeout;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(PollTimeout) is { IsPartitionEOF: false } result)
            {
                received.Add(result);
            }
        }
        return received.Count >= count
            ? received
            : throw new TimeoutException($"Only {received.Count} of {count} messages arrived within {timeout}.");
    }
}
