using System.Text.Json;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.LiveView;
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

    [Fact]
    public async Task The_dashboard_shows_every_resource_links_live_views_whose_video_moves_and_shows_a_frame_trace_across_both_groups()
    {
        var topology = pipeline.Topology;
        var resources = topology.Resources(ConnectionNames.Kafka, "producer");
        // Every frame's trace reaches the groups that analyse every camera; a footage frame's also the people group.
        var everyFrameGroups = topology.Groups.Where(group => group.Cameras.Count == 0).Select(group => group.Resource).ToList();
        var screenshots = Path.Combine(RepositoryPaths.Root, "TestResults", "screenshots");
        var run = await ClientProcess.RunAsync("node",
            [Path.Combine(RepositoryPaths.Clients, "dashboard_browser.js"),
                "--dashboard", pipeline.DashboardUrl, "--login", pipeline.DashboardLoginUrl, "--out", screenshots,
                "--resources", string.Join(',', resources), "--groups", string.Join(',', everyFrameGroups), "--timeout", "60"],
            ScriptTimeout);
        output.WriteLine($"Screenshots: {screenshots}");
        run.EnsureSuccess($"dashboard_browser.js against {pipeline.DashboardUrl}");
        output.WriteLine(run.StandardOutput);
        using var report = JsonDocument.Parse(run.StandardOutput);
        var root = report.RootElement;

        // Resources page: every resource is listed and running.
        var rows = root.GetProperty("resources");
        foreach (var resource in resources)
        {
            var row = rows.GetProperty(resource).GetString() ?? "";
            Assert.Contains("Running", row, StringComparison.Ordinal);
        }

        // No "No trusted development certificate" notification over the first page: nothing in the http profile uses TLS.
        Assert.DoesNotContain("development certificate", root.GetProperty("pageText").GetString(), StringComparison.OrdinalIgnoreCase);
        // Secured as Aspire secures it: the browser logged in with the token, and no "Endpoint is unsecured" banner.
        Assert.True(root.GetProperty("loginRequired").GetBoolean(), "the dashboard showed its pages without the browser token");
        Assert.DoesNotContain("unsecured", root.GetProperty("pageText").GetString(), StringComparison.OrdinalIgnoreCase);

        // Live views: a link on every consumer replica (replicas share their project's proxied URL), one page per
        // group, each with moving video.
        Assert.Equal(topology.Groups.Sum(group => group.Replicas), root.GetProperty("liveViewLinks").GetInt32());
        var liveViews = root.GetProperty("liveViews").EnumerateArray().ToList();
        Assert.Equal(topology.Groups.Count, liveViews.Count);
        Assert.Equal(
            topology.Groups.Select(group => group.GroupId).Order(),
            liveViews.Select(v => v.GetProperty("group").GetString() ?? "").Distinct().Order());
        foreach (var view in liveViews)
        {
            var href = view.GetProperty("href").GetString();
            Assert.StartsWith("http://localhost:", href, StringComparison.Ordinal); // bound to localhost
            Assert.True(view.GetProperty("imageWidth").GetInt32() > 0, $"{href}: no picture");
            Assert.True(view.GetProperty("framesAfter").GetInt64() >= view.GetProperty("framesBefore").GetInt64() + 5,
                $"{href}: the frame counter did not advance");
            Assert.True(view.GetProperty("imageChanged").GetBoolean(), $"{href}: the picture did not change between two screenshots");
            Assert.Matches(@"^\d+(\.\d)?$", view.GetProperty("fps").GetString());
            Assert.Matches(@"^\d+ / \d+$", view.GetProperty("latency").GetString());
            Assert.Matches(@"^\d+$", view.GetProperty("lag").GetString());
        }

        // The people group's view draws a box around each person it finds in the footage (in the overlay's colour).
        var peopleGroup = Assert.Single(topology.Groups, group => group.Analyzer == PeopleDetector.AnalyzerName);
        var peopleView = Assert.Single(liveViews, v => v.GetProperty("group").GetString() == peopleGroup.GroupId);
        var boxPixels = peopleView.GetProperty("screenshots").EnumerateArray().Take(2)
            .Max(file => OverlayPixels.CountBoxColoured(file.GetString()!));
        Assert.True(boxPixels >= 200, $"the people view's screenshots show {boxPixels} pixels of box colour: no person boxed in {peopleView}");
        // Tracked, it also draws the footage's zone and counting line (PipelineFixture gives the camera plaza and crossing)
        // and each confirmed track's box with its id, each in its own colour, and lists the counts under the video.
        foreach (var (drawn, colour, least) in new[]
        {
            ("zone outline and label", OverlayRenderer.ZoneColour, 1000),
            ("counting line, arrow and label", OverlayRenderer.LineColour, 1000),
            ("track box and id", OverlayRenderer.TrackColour, 200),
        })
        {
            var pixels = peopleView.GetProperty("screenshots").EnumerateArray().Take(2)
                .Max(file => OverlayPixels.CountColoured(file.GetString()!, colour));
            output.WriteLine($"People view: {pixels} pixels of the {drawn} colour");
            Assert.True(pixels >= least, $"the people view's screenshots show {pixels} pixels of the {drawn} colour: none drawn in {peopleView}");
        }
        var scene = Assert.Single(peopleView.GetProperty("scenes").EnumerateArray()).GetString();
        Assert.Matches($@"^{PipelineFixture.FootageCamera}: tracks \d+ · zone plaza \d+ · line crossing in \d+ out \d+$", scene);
        Assert.All(liveViews.Where(view => view.GetProperty("group").GetString() != peopleGroup.GroupId),
            view => Assert.Empty(view.GetProperty("scenes").EnumerateArray()));

        // Health links on the producer, the clips service and every consumer replica; together they name each check with
        // its verdict.
        Assert.Equal(topology.Groups.Sum(group => group.Replicas) + 2, root.GetProperty("healthLinks").GetInt32());
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
            Assert.All(checks[check],
                c => Assert.Contains(about, c.GetProperty("description").GetString() ?? "", StringComparison.OrdinalIgnoreCase));
        }

        // Traces page: a frame's trace spans the producer and every group that analyses its camera; its detail has the
        // publish span as parent.
        var trace = root.GetProperty("trace");
        Assert.Contains("producer: frames publish", trace.GetProperty("listed").GetString(), StringComparison.Ordinal);
        Assert.Equal(["producer", .. everyFrameGroups], trace.GetProperty("services").EnumerateArray().Select(s => s.GetString() ?? ""));
        Assert.InRange(trace.GetProperty("resources").GetInt32(), 1 + everyFrameGroups.Count, 1 + topology.Groups.Count);
        Assert.True(trace.GetProperty("totalSpans").GetInt32() >= 1 + everyFrameGroups.Count, "a publish span and a process span per group");
        Assert.Equal(2, trace.GetProperty("depth").GetInt32());

        foreach (var file in root.GetProperty("screenshots").EnumerateArray().Select(f => f.GetString()!)
            .Concat(liveViews.SelectMany(v => v.GetProperty("screenshots").EnumerateArray().Select(f => f.GetString()!))))
        {
            Assert.True(new FileInfo(file).Length > 1000, $"{file} is missing or empty");
        }
    }
}
