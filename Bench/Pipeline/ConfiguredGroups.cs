using AspirePipeline.Contracts;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Bench.Pipeline;

/// <summary>A consumer group as the AppHost's configuration declares it (<c>Pipeline:Groups:{name}</c>).</summary>
internal sealed record ConfiguredGroup(string Name, string Project, string GroupId, string? Analyzer, IReadOnlyList<string> Cameras)
{
    /// <summary>What the AppHost hands the group's service: its Kafka group id and analysis.</summary>
    public IEnumerable<KeyValuePair<string, string>> Environment =>
    [
        new(ServiceEnvironment.ConsumerGroup.GroupId, GroupId),
        .. Analyzer is null ? [] : new[] { new KeyValuePair<string, string>(ServiceEnvironment.ConsumerGroup.Analyzer, Analyzer) },
    ];
}

/// <summary>
/// The consumer groups of <c>AppHost/appsettings.json</c>, the file the AppHost builds its model from, so the benchmark
/// runs the groups a deployment runs instead of a list of its own.
/// </summary>
internal static class ConfiguredGroups
{
    /// <summary>The enabled groups that analyse every camera (the ones every frame costs), in configuration order.</summary>
    public static IReadOnlyList<ConfiguredGroup> EveryFrame(string repoRoot)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(repoRoot, "AppHost", "appsettings.json"), optional: false)
            .Build();
        return [.. configuration.GetSection("Pipeline:Groups").GetChildren()
            .Where(group => !string.Equals(group["Enabled"], "false", StringComparison.OrdinalIgnoreCase))
            .Select(group => new ConfiguredGroup(group.Key,
                group["Project"] ?? throw new InvalidOperationException($"{group.Path}:Project is not set in AppHost/appsettings.json."),
                group["GroupId"] ?? throw new InvalidOperationException($"{group.Path}:GroupId is not set in AppHost/appsettings.json."),
                group["Analyzer"],
                [.. group.GetSection("Cameras").GetChildren().Select(camera => camera.Value!)]))
            .Where(group => group.Cameras.Count == 0)];
    }
}
