using System.Text.Json;
using System.Text.Json.Nodes;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// What a reliability scenario injected and observed, written to <c>TestResults/reliability/&lt;scenario&gt;.json</c>
/// at the solution root; <see cref="ReliabilityReport"/> renders them into <c>docs/reliability.md</c>, so the numbers
/// there come from a run, not from typing.
/// </summary>
internal sealed class Observations(string scenario, string title, string command)
{
    private readonly JsonObject _observed = [];
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public string Injected { get; set; } = "";

    /// <summary>Records a figure (number, text, list or small object) under a readable name.</summary>
    public void Add(string name, object? value) => _observed[name] = JsonSerializer.SerializeToNode(value);

    /// <summary>Writes the file; called at the end of a passing test, so a file always describes a passing run.</summary>
    public void Write()
    {
        var document = new JsonObject
        {
            ["scenario"] = scenario,
            ["title"] = title,
            ["injected"] = Injected,
            ["command"] = command,
            ["run_at"] = _started.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
            ["duration_s"] = Math.Round((DateTimeOffset.UtcNow - _started).TotalSeconds, 1),
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["observed"] = _observed,
        };
        var directory = ReliabilityReport.ResultsDirectory;
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, $"{scenario}.json"),
            document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (ReliabilityReport.UpdateRequested)
        {
            ReliabilityReport.Update();
        }
    }
}

/// <summary>Wall-clock milliseconds rounded for reports.</summary>
internal static class Millis
{
    public static long Of(TimeSpan span) => (long)Math.Round(span.TotalMilliseconds);
}
