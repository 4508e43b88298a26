using System.Globalization;
using AspirePipeline.Contracts;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Bench.Live;

/// <summary>
/// The people group as <c>AppHost/appsettings.json</c> declares it (the entry of <c>Pipeline:Groups</c> whose analyzer is
/// <c>people</c>): what the benchmark looks for among the AppHost's processes and reports against.
/// </summary>
internal sealed record PeopleGroup(string Name, string Project, string GroupId, int Fps, int Replicas, IReadOnlyList<string> Cameras)
{
    public const string Analyzer = "people";

    /// <summary>The group's process: the AppHost hands it its analyzer and Kafka group id as environment variables.</summary>
    public bool IsItsProcess(IReadOnlyDictionary<string, string> environment) =>
        environment.GetValueOrDefault(ServiceEnvironment.ConsumerGroup.Analyzer) == Analyzer
        && environment.GetValueOrDefault(ServiceEnvironment.ConsumerGroup.GroupId) == GroupId;

    public static PeopleGroup FromAppHost(string repoRoot)
    {
        var file = Path.Combine(repoRoot, "AppHost", "appsettings.json");
        var configuration = new ConfigurationBuilder().AddJsonFile(file, optional: false).Build();
        var groups = configuration.GetSection("Pipeline:Groups").GetChildren()
            .Where(group => string.Equals(group["Analyzer"], Analyzer, StringComparison.Ordinal)
                && !string.Equals(group["Enabled"], "false", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (groups.Count != 1)
        {
            throw new InvalidOperationException(
                $"{file} has {groups.Count} enabled groups with Analyzer '{Analyzer}' under Pipeline:Groups; the benchmark measures exactly one.");
        }
        var section = groups[0];
        return new PeopleGroup(section.Key,
            section["Project"] ?? throw new InvalidOperationException($"{section.Path}:Project is not set in {file}."),
            section["GroupId"] ?? throw new InvalidOperationException($"{section.Path}:GroupId is not set in {file}."),
            Number(section, "Fps", 0), Number(section, "Replicas", 1),
            [.. section.GetSection("Cameras").GetChildren().Select(camera => camera.Value!)]);
    }

    /// <summary>How the report names it: <c>people (Consumer, Fps 5, cameras footage)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"`{Name}` ({Project}, analyzer {Analyzer}, Fps {(Fps > 0 ? Fps : "every frame")}, replicas {Replicas}, " +
        $"cameras {(Cameras.Count > 0 ? string.Join(", ", Cameras) : "all")})");

    private static int Number(IConfigurationSection section, string key, int fallback) => section[key] is { } text
        ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
        : fallback;
}
