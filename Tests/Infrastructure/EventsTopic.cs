using System.Text.Json;
using Confluent.Kafka;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>Reads an events topic (JSON records keyed by camera) from its start, as a new consumer group would.</summary>
public static class EventsTopic
{
    /// <summary>The first record matching <paramref name="match"/>; fails at the deadline listing what was seen.</summary>
    public static async Task<JsonElement> FirstAsync(string bootstrapServers, string topic, Func<JsonElement, bool> match, TimeSpan deadline,
        Func<string>? describe = null) =>
        (await FirstWithPositionAsync(bootstrapServers, topic, match, deadline, describe)).Record;

    /// <summary>The first record matching <paramref name="match"/> with where the topic holds it (partition, offset).</summary>
    public static async Task<(JsonElement Record, int Partition, long Offset)> FirstWithPositionAsync(string bootstrapServers, string topic,
        Func<JsonElement, bool> match, TimeSpan deadline, Func<string>? describe = null)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"events-reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 100,
        }).Build();
        consumer.Subscribe(topic);
        var seen = new List<string>();
        var until = DateTime.UtcNow + deadline;
        // Consume blocks (up to 200 ms a call): off the test's thread, so other async work is not held up.
        return await Task.Run(() =>
        {
            try
            {
                while (DateTime.UtcNow < until)
                {
                    if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false } result)
                    {
                        continue;
                    }
                    seen.Add(result.Message.Value);
                    var record = JsonDocument.Parse(result.Message.Value).RootElement.Clone();
                    Assert.Equal(record.GetProperty("camera").GetString(), result.Message.Key);
                    if (match(record))
                    {
                        return (record, result.Partition.Value, result.Offset.Value);
                    }
                }
            }
            finally
            {
                consumer.Close();
            }
            Assert.Fail($"No matching record on {topic} within {deadline}; seen {seen.Count}: " +
                $"{string.Join(" | ", seen.TakeLast(5))}. {describe?.Invoke()}");
            return default;
        });
    }
}
