using System.Text.Json.Nodes;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Reliability;

/// <summary>The reliability page's tables, rendered from a scenario's observations as the scenarios write them.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ReliabilityReportTests
{
    [Fact]
    public void A_scenario_becomes_a_table_of_what_was_injected_and_observed()
    {
        var run = JsonNode.Parse("""
            {
              "scenario": "3-consumer-crash", "title": "Consumer crash", "injected": "SIGKILL of a | consumer",
              "command": "dotnet test --filter X", "run_at": "2026-12-07 10:00:00Z", "duration_s": 12.5, "machine": "2 cores",
              "observed": {
                "lag (frames)": 0, "recovered (s)": 1.25, "healthy": true, "dropped": {}, "by reason": { "queue-full": 2, "seen": false },
                "groups": ["a", "b"], "last error": null
              }
            }
            """)!.AsObject();

        var lines = ReliabilityReport.Render([run]).Split('\n');

        Assert.Equal(
        [
            "",
            "### 3. Consumer crash",
            "",
            "| | |",
            "|---|---|",
            "| **Injected** | SIGKILL of a \\| consumer |",
            "| lag (frames) | 0 |",
            "| recovered (s) | 1.25 |",
            "| healthy | yes |",
            "| dropped | none |",
            "| by reason | queue-full: 2, seen: False |",
            "| groups | a, b |",
            "| last error | None |",
            "| **Command** | `dotnet test --filter X` |",
            "| Run | 2026-12-07 10:00:00Z, 12.5 s, 2 cores |",
            "",
        ], lines);
    }
}
