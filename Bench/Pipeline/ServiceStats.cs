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

/// <summary>The parts of a consumer's <c>/stats</c> the benchmark reads.</summary>
internal sealed record ConsumerStats(string Group, long Lag, long Missing, long Skipped, IReadOnlyDictionary<string, StageTotal> Stages)
{
    public long Processed => Stages.TryGetValue(StageNames.Decode, out var decode) ? decode.Frames : 0;

    /// <summary>A group's figures from its replicas' (each reports its own partitions).</summary>
    public static ConsumerStats Sum(IReadOnlyList<ConsumerStats> replicas) => new(replicas[0].Group, replicas.Sum(r => r.Lag),
        replicas.Sum(r => r.Missing), replicas.Sum(r => r.Skipped),
        replicas.SelectMany(r => r.Stages).GroupBy(stage => stage.Key)
            .ToDictionary(stage => stage.Key, stage => stage.Select(s => s.Value).Aggregate((a, b) => a + b)));

    public static ConsumerStats Parse(JsonElement json)
    {
        var stats = json.GetProperty("stats");
        return new ConsumerStats(json.GetProperty("group").GetString() ?? "?", stats.GetProperty("lag").GetInt64(),
            stats.GetProperty("missingFrames").GetInt64(), stats.GetProperty("skippedFrames").GetInt64(), StageParser.Parse(json));
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
