using System.Text.Json;
using AspirePipeline.Tests.Broker.Clients;
using AspirePipeline.Tests.Pipeline;
using Xunit.Abstractions;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Observability;

/// <summary>
/// The pipeline as a person sees it, in headless Chromium (Debian's, driven by playwright-core from Tests/node):
/// Tests/Clients/dashboard_browser.js opens the dashboard of the shared AppHost, every consumer's Live view link, the
/// services' Health links and a frame's trace. Screenshots are kept under TestResults/screenshots.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection(PipelineCollection.Name)]
public sealed class BrowserTests(PipelineFixture pipeline, ITestOutputHelper output)
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);
    private static readonly string[] Resources = ["kafka", "camera", "producer", "consumer", "consumer2"];

    [Fact]
    public async Task The_dashboard_shows_every_resource_links_live_views_whose_video_moves_and_shows_a_frame_trace_across_both_groups()
    {
        var screenshots = Path.Combine(RepositoryPaths.Root, "TestResults", "screenshots");
        var run = await ClientProcess.RunAsync("node",
            [Path.Combine(RepositoryPaths.Clients, "dashboard_browser.js"), "--dashboard", pipeline.DashboardUrl, "--out", screenshots,
                "--resources", string.Join(',', Resources), "--timeout", "60"],
            ScriptTimeout);
        output.WriteLine($"Screenshots: {screenshots}");
        run.EnsureSuccess($"dashboard_browser.js against {pipeline.DashboardUrl}");
        output.WriteLine(run.StandardOutput);
        using var report = JsonDocument.Parse(run.StandardOutput);
        var root = report.RootElement;

        // Resources page: every resource is listed and running.
        var rows = root.GetProperty("resources");
        foreach (var resource in Resources)
        {
            var row = rows.GetProperty(resource).GetString() ?? "";
            Assert.Contains("Running", row, StringComparison.Ordinal);
        }

        // No "No trusted development certificate" notification over the first page: nothing in the http profile uses TLS.
        Assert.DoesNotContain("development certificate", root.GetProperty("pageText").GetString(), StringComparison.OrdinalIgnoreCase);

        // Live views: a link on every consumer replica (replicas share their project's proxied URL), one page per
        // group, each with moving video.
        Assert.Equal(PipelineFixture.MeanGroupReplicas + 1, root.GetProperty("liveViewLinks").GetInt32());
        var liveViews = root.GetProperty("liveViews").EnumerateArray().ToList();
        Assert.Equal(2, liveViews.Count);
        Assert.Equal(
            new[] { PipelineFixture.MeanGroup, PipelineFixture.MotionGroup },
            liveViews.Select(v => v.GetProperty("group").GetString() ?? "").Distinct().Order());
        foreach (var view in liveViews)
        {
            var href = view.GetProperty("href").GetString();
            Assert.StartsWith("http://localhost:", href, StringComparison.Ordinal); // bound to localhost
            Assert.InRange(view.GetProperty("imageWidth").GetInt32(), 1, PipelineFixture.Width);
            Assert.True(view.GetProperty("framesAfter").GetInt64() >= view.GetProperty("framesBefore").GetInt64() + 5, $"{href}: the frame counter did not advance");
            Assert.True(view.GetProperty("imageChanged").GetBoolean(), $"{href}: the picture did not change between two screenshots");
            Assert.Matches(@"^\d+(\.\d)?$", view.GetProperty("fps").GetString());
            Assert.Matches(@"^\d+ / \d+$", view.GetProperty("latency").GetString());
            Assert.Matches(@"^\d+$", view.GetProperty("lag").GetString());
        }

        // Health links on the producer and every consumer replica; together they name each check with its verdict.
        Assert.Equal(PipelineFixture.MeanGroupReplicas + 2, root.GetProperty("healthLinks").GetInt32());
        var checks = root.GetProperty("health").EnumerateArray()
            .SelectMany(h => h.GetProperty("report").GetProperty("checks").EnumerateObject())
            .GroupBy(c => c.Name)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToList());
        foreach (var (check, about) in new[]
        {
            ("producer", "camera"), ("frame-consumer", "Assigned partitions"),
            ("Aspire.Confluent.Kafka.Producer", "Kafka reachable"), ("Aspire.Confluent.Kafka.Consumer", "Kafka reachable"),
        })
        {
            Assert.True(checks.ContainsKey(check), $"no '{check}' check behind the Health links: {string.Join(", ", checks.Keys)}");
            Assert.All(checks[check], c => Assert.Contains(about, c.GetProperty("description").GetString() ?? "", StringComparison.OrdinalIgnoreCase));
        }

        // Traces page: a frame's trace spans producer and both consumers; its detail has the publish span as parent.
        var trace = root.GetProperty("trace");
        Assert.Contains("producer: frames publish", trace.GetProperty("listed").GetString(), StringComparison.Ordinal);
        Assert.Equal(new[] { "producer", "consumer", "consumer2" }, trace.GetProperty("services").EnumerateArray().Select(s => s.GetString() ?? ""));
        Assert.Equal(3, trace.GetProperty("resources").GetInt32());
        Assert.True(trace.GetProperty("totalSpans").GetInt32() >= 3, "a publish and two process spans");
        Assert.Equal(2, trace.GetProperty("depth").GetInt32());

        foreach (var file in root.GetProperty("screenshots").EnumerateArray().Select(f => f.GetString()!)
            .Concat(liveViews.SelectMany(v => v.GetProperty("screenshots").EnumerateArray().Select(f => f.GetString()!))))
        {
            Assert.True(new FileInfo(file).Length > 1000, $"{file} is missing or empty");
        }
    }
}
