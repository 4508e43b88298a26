using System.Text.Json;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// One record of the results topic as a reader outside the services sees it (the JSON contract, read independently
/// of the consumers' own types).
/// </summary>
public sealed record AnalysisResult(
    string Group,
    string Analyzer,
    string Instance,
    string Camera,
    long? Sequence,
    int Partition,
    long Offset,
    DateTimeOffset ProcessedTimestamp,
    double Value,
    Dictionary<string, double> Values,
    int Width,
    int Height)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AnalysisResult Parse(string json) =>
        JsonSerializer.Deserialize<AnalysisResult>(json, Json)
        ?? throw new FormatException($"The results topic carried 'null': {json}");
}
