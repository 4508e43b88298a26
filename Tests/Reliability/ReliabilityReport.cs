using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// Renders the scenarios' observations (<c>TestResults/reliability/*.json</c>, one per passing scenario) into the
/// <c>observations</c> section of <c>docs/reliability.md</c> through <see cref="MarkdownSection"/>, so every number
/// there was measured by the test that reports it. A scenario rewrites the page when it passes with
/// <see cref="UpdateVariable"/> set to <c>true</c>; otherwise only its file is written and the tree stays as it was.
/// </summary>
internal static partial class ReliabilityReport
{
    /// <summary>The environment variable that has passing scenarios rewrite <c>docs/reliability.md</c>.</summary>
    public const string UpdateVariable = "RELIABILITY_REPORT_UPDATE";

    public const string Section = "observations";

    public static string ResultsDirectory => Path.Combine(RepoLayout.TryFindRoot() ?? Directory.GetCurrentDirectory(), "TestResults", "reliability");

    public static string Document => Path.Combine(RepoLayout.Root, "docs", "reliability.md");

    public static bool UpdateRequested =>
        string.Equals(Environment.GetEnvironmentVariable(UpdateVariable), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Rewrites the page's section from every scenario file there is.</summary>
    public static void Update() =>
        MarkdownSection.Replace(Document, Section, Render(Directory.EnumerateFiles(ResultsDirectory, "*.json")
            // By the scenario's number (2b after 2, 10 after 9), then by name.
            .OrderBy(file => int.Parse(LeadingDigits().Match(Path.GetFileName(file)).Value is { Length: > 0 } digits ? digits : "0",
                System.Globalization.CultureInfo.InvariantCulture))
            .ThenBy(file => file, StringComparer.Ordinal)
            .Select(file => JsonNode.Parse(File.ReadAllText(file))!.AsObject())));

    /// <summary>One table per scenario, in the order given: what was injected, each observation, the command, the run.</summary>
    public static string Render(IEnumerable<JsonObject> runs)
    {
        var lines = new List<string> { "" };
        foreach (var run in runs)
        {
            var scenario = (string)run["scenario"]!;
            lines.Add($"### {scenario.Split('-')[0]}. {(string)run["title"]!}");
            lines.Add("");
            lines.Add("| | |");
            lines.Add("|---|---|");
            lines.Add($"| **Injected** | {Cell(run["injected"])} |");
            foreach (var (name, value) in run["observed"]!.AsObject())
            {
                lines.Add($"| {Escape(name)} | {Cell(value)} |");
            }
            lines.Add($"| **Command** | `{(string)run["command"]!}` |");
            lines.Add($"| Run | {(string)run["run_at"]!}, {Cell(run["duration_s"])} s, {Cell(run["machine"])} |");
            lines.Add("");
        }
        return string.Join('\n', lines);
    }

    // As a table cell: an object as "key: value, ..." (or "none"), a list joined by commas, a flag as yes / no.
    private static string Cell(JsonNode? value) => Escape(value switch
    {
        JsonObject map => map.Count == 0 ? "none" : string.Join(", ", map.Select(pair => $"{pair.Key}: {Plain(pair.Value)}")),
        JsonArray list => string.Join(", ", list.Select(Plain)),
        JsonValue flag when flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False => flag.GetValue<bool>() ? "yes" : "no",
        _ => Plain(value),
    });

    // A value inside an object or list, as the report has always written it (True / False, None, numbers as stored).
    private static string Plain(JsonNode? value) => value switch
    {
        null => "None",
        JsonValue flag when flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False => flag.GetValue<bool>() ? "True" : "False",
        JsonValue text when text.GetValueKind() == JsonValueKind.String => text.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    [GeneratedRegex(@"^\d*")]
    private static partial Regex LeadingDigits();
}
