using System.Text.Json;

namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// The producer's <c>/stats</c> <c>recording</c> figures summed over its recorded cameras (those with a non-null
/// <c>recording</c>): access units handed to Kafka and acknowledged, their bytes, those not recorded by reason, and
/// transport-stream bytes that were not part of a whole access unit.
/// </summary>
internal sealed record RecordingFigures(int Cameras, long Handed, long Published, long Bytes, long Dropped,
    IReadOnlyDictionary<string, long> DroppedByReason, long SkippedBytes)
{
    /// <summary>No camera recorded.</summary>
    public static RecordingFigures None { get; } = new(0, 0, 0, 0, 0, new Dictionary<string, long>(), 0);

    public static RecordingFigures Parse(JsonElement json)
    {
        var cameras = 0;
        long handed = 0, published = 0, bytes = 0, dropped = 0, skipped = 0;
        var byReason = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var camera in json.GetProperty("cameras").EnumerateArray())
        {
            if (!camera.TryGetProperty("recording", out var recording) || recording.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            cameras++;
            handed += recording.GetProperty("handed").GetInt64();
            published += recording.GetProperty("published").GetInt64();
            bytes += recording.GetProperty("bytes").GetInt64();
            dropped += recording.GetProperty("dropped").GetInt64();
            skipped += recording.GetProperty("skippedBytes").GetInt64();
            foreach (var reason in recording.GetProperty("droppedByReason").EnumerateObject())
            {
                byReason[reason.Name] = byReason.GetValueOrDefault(reason.Name) + reason.Value.GetInt64();
            }
        }
        return new RecordingFigures(cameras, handed, published, bytes, dropped, byReason, skipped);
    }
}
