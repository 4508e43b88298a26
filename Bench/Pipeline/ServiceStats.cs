using System.Text.Json;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>Cumulative CPU of one in-process stage as a service reports it at <c>/stats</c>.</summary>
internal readonly record struct StageTotal(long Frames, double CpuMs)
{
    public static StageTotal operator -(StageTotal end, StageTotal start) => new(end.Frames - start.Frames, end.CpuMs - start.CpuMs);

    public static StageTotal operator +(StageTotal one, StageTotal other) => new(one.Frames + other.Frames, one.CpuMs + other.CpuMs);
}

/// <summary>The parts of the producer's <c>/stats</c> the benchmark reads.</summary>
internal sealed record ProducerStats(long Captured, long Published, long Dropped, IReadOnlyDictionary<string, StageTotal> Stages)
{
    public static ProducerStats Parse(JsonElement json)
    {
        long captured = 0, published = 0, dropped = 0;
        foreach (var camera in json.GetProperty("cameras").EnumerateArray())
        {
            captured += camera.GetProperty("captured").GetInt64();
            published += camera.GetProperty("published").GetInt64();
            dropped += camera.GetProperty("dropped").GetInt64();
        }
        return new ProducerStats(captured, published, dropped, StageParser.Parse(json));
    }
}

/// <summary>
/// Where a consumer's frames are, from its librdkafka statistics: not fetched yet (<see cref="InBroker"/>: high
/// watermark − next fetch offset), fetched and queued in the client (<see cref="Prefetched"/>: next fetch offset −
/// application offset), summed over its partitions; its Fetch requests so far and the brokers' round trip.
/// </summary>
internal readonly record struct FetchFigures(long InBroker, long Prefetched, long PrefetchedBytes, long FetchRequests, double RttMs)
{
    public static FetchFigures Parse(JsonElement json)
    {
        if (!json.TryGetProperty("kafka", out var kafka) || kafka.ValueKind != JsonValueKind.Object)
        {
            return default;
        }
        long inBroker = 0, prefetched = 0, prefetchedBytes = 0;
        foreach (var partition in kafka.GetProperty("partitions").EnumerateArray())
        {
            var high = partition.GetProperty("highWatermark").GetInt64();
            var next = partition.GetProperty("nextOffset").GetInt64();
            var application = partition.GetProperty("appOffset").GetInt64();
            // -1 until the partition has fetched (or the application consumed) anything.
            if (high >= 0 && next >= 0)
            {
                inBroker += Math.Max(0, high - next);
            }
            if (next >= 0 && application >= 0)
            {
                prefetched += Math.Max(0, next - application);
            }
            prefetchedBytes += partition.GetProperty("fetchQueueBytes").GetInt64();
        }
        return new FetchFigures(inBroker, prefetched, prefetchedBytes, kafka.GetProperty("fetchRequests").GetInt64(),
            kafka.GetProperty("rttAverageMs").GetDouble());
    }

    public static FetchFigures Sum(IEnumerable<FetchFigures> replicas) => replicas.Aggregate(default(FetchFigures), (sum, r) =>
        new(sum.InBroker + r.InBroker, sum.Prefetched + r.Prefetched, sum.PrefetchedBytes + r.PrefetchedBytes,
            sum.FetchRequests + r.FetchRequests, Math.Max(sum.RttMs, r.RttMs)));
}

/// <summary>The parts of a consumer's <c>/stats</c> the benchmark reads.</summary>
internal sealed record ConsumerStats(string Group, long Lag, long Missing, long Skipped, IReadOnlyDictionary<string, StageTotal> Stages,
    long SampledOut = 0, FetchFigures Fetch = default)
{
    public long Processed => Stages.TryGetValue(StageNames.Decode, out var decode) ? decode.Frames : 0;

    /// <summary>A group's figures from its replicas' (each reports its own partitions).</summary>
    public static ConsumerStats Sum(IReadOnlyList<ConsumerStats> replicas) => new(replicas[0].Group, replicas.Sum(r => r.Lag),
        replicas.Sum(r => r.Missing), replicas.Sum(r => r.Skipped),
        replicas.SelectMany(r => r.Stages).GroupBy(stage => stage.Key)
            .ToDictionary(stage => stage.Key, stage => stage.Select(s => s.Value).Aggregate((a, b) => a + b)),
        replicas.Sum(r => r.SampledOut), FetchFigures.Sum(replicas.Select(r => r.Fetch)));

    public static ConsumerStats Parse(JsonElement json)
    {
        var stats = json.GetProperty("stats");
        return new ConsumerStats(json.GetProperty("group").GetString() ?? "?", stats.GetProperty("lag").GetInt64(),
            stats.GetProperty("missingFrames").GetInt64(), stats.GetProperty("skippedFrames").GetInt64(), StageParser.Parse(json),
            stats.TryGetProperty("sampledOutFrames", out var sampledOut) ? sampledOut.GetInt64() : 0, FetchFigures.Parse(json));
    }
}

/// <summary>Stage names as the services report them.</summary>
internal static class StageNames
{
    public const string Encode = "encode";
    public const string JpegCheck = "jpeg-check";
    public const string Publish = "publish";
    public const string Decode = "decode";
    public const string Analysis = "analysis";
    public const string Report = "report";
}

file static class StageParser
{
    public static IReadOnlyDictionary<string, StageTotal> Parse(JsonElement json)
    {
        var stages = new Dictionary<string, StageTotal>(StringComparer.Ordinal);
        if (json.TryGetProperty("stages", out var list))
        {
            foreach (var stage in list.EnumerateArray())
            {
                stages[stage.GetProperty("name").GetString() ?? "?"] =
                    new StageTotal(stage.GetProperty("frames").GetInt64(), stage.GetProperty("cpuMs").GetDouble());
            }
        }
        return stages;
    }
}
