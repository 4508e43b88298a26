using AspirePipeline.Contracts;
using AspirePipeline.Producer;
using AspirePipeline.Tests.Pipeline;
using Xunit.Abstractions;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Observability;

/// <summary>
/// What the dashboard shows of the running pipeline (the shared AppHost of <see cref="PipelineFixture"/>): one trace
/// per sampled frame from the producer's publish into both consumer groups, and the frame metrics with sane values.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection(PipelineCollection.Name)]
public sealed class TelemetryTests(PipelineFixture pipeline, ITestOutputHelper output)
{
    private const string FramesPublish = "frames publish";
    private const string FramesProcess = "frames process";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_dashboard_receives_a_trace_from_the_publish_span_into_a_process_span_of_each_group()
    {
        using var dashboard = new DashboardTelemetry(pipeline.DashboardUrl, TelemetryCapture.DashboardApiKey);
        using var timeout = new CancellationTokenSource(Deadline);
        IReadOnlyList<DashboardSpan>? trace = null;
        var seen = "no producer trace yet";
        while (trace is null)
        {
            try
            {
                foreach (var traceId in await dashboard.TraceIdsAsync("producer", limit: 20, timeout.Token))
                {
                    var spans = await dashboard.TraceAsync(traceId, timeout.Token);
                    seen = string.Join("; ", spans.Select(s => $"{s.Service}:{s.Name}"));
                    // A test-pattern camera's frame: every group that analyses it processes it.
                    if (spans.Any(s => s.Name == FramesPublish && PipelineFixture.Cameras.Contains(s.Attributes.GetValueOrDefault("camera.id")))
                        && Groups.All(g => spans.Any(s => s.Name == FramesProcess && Group(s) == g.GroupId)))
                    {
                        trace = spans;
                        break;
                    }
                }
                if (trace is null)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Assert.Fail($"No trace with '{FramesPublish}' and '{FramesProcess}' of both groups within {Deadline}; " +
                    $"last trace seen: {seen}\n{pipeline.RecentOutput()}");
            }
        }

        var publish = Assert.Single(trace, s => s.Name == FramesPublish);
        output.WriteLine($"trace {publish.TraceId}: {string.Join("; ", trace.Select(s => $"{s.Service}:{s.Name} {s.SpanId}<-{s.ParentSpanId}"))}");
        Assert.Equal("producer", publish.Service);
        Assert.Equal("AspirePipeline.Producer", publish.Scope);
        Assert.Equal(DashboardSpan.ProducerKind, publish.Kind);
        Assert.Null(publish.ParentSpanId);
        Assert.Equal("kafka", publish.Attributes["messaging.system"]);
        Assert.Equal(FrameTopics.Frames, publish.Attributes["messaging.destination.name"]);
        Assert.Contains(publish.Attributes["camera.id"], PipelineFixture.Cameras);
        Assert.True(DashboardTelemetry.Long(publish.Attributes, "messaging.message.body.size") > 1000, "a JPEG frame is more than 1 KB");
        var partition = DashboardTelemetry.Long(publish.Attributes, "messaging.kafka.destination.partition");
        var offset = DashboardTelemetry.Long(publish.Attributes, "messaging.kafka.message.offset");
        var sequence = DashboardTelemetry.Long(publish.Attributes, "frame.sequence");

        // Groups of other cameras (the people group watches the footage only) pass the frame over without a span.
        Assert.Equal(Groups.Select(g => g.GroupId).Order(), trace.Where(s => s.Name == FramesProcess).Select(Group).Order());
        foreach (var (group, service) in Groups.Select(g => (g.GroupId, g.Resource)))
        {
            var process = Assert.Single(trace, s => s.Name == FramesProcess && Group(s) == group);
            Assert.Equal(service, process.Service);
            Assert.Equal("AspirePipeline.Consumer", process.Scope);
            Assert.Equal(DashboardSpan.ConsumerKind, process.Kind);
            // The child of the publish span: the context came through the Kafka headers.
            Assert.Equal(publish.TraceId, process.TraceId);
            Assert.Equal(publish.SpanId, process.ParentSpanId);
            // The very message the producer published, and an analysis result on it.
            Assert.Equal(partition, DashboardTelemetry.Long(process.Attributes, "messaging.kafka.destination.partition"));
            Assert.Equal(offset, DashboardTelemetry.Long(process.Attributes, "messaging.kafka.message.offset"));
            Assert.Equal(sequence, DashboardTelemetry.Long(process.Attributes, "frame.sequence"));
            Assert.True(
                double.TryParse(process.Attributes.GetValueOrDefault("analysis.value"), System.Globalization.CultureInfo.InvariantCulture, out _),
                $"{group}: analysis.value missing");
        }
    }

    [Fact]
    public async Task Frame_metrics_arrive_with_sane_values()
    {
        var metrics = pipeline.Metrics;
        string[] required =
        [
            "producer/AspirePipeline.Producer/producer.frames.captured",
            "producer/AspirePipeline.Producer/producer.frames.published",
            "producer/AspirePipeline.Producer/producer.frame.size",
            "producer/AspirePipeline.Producer/producer.capture_to_publish.duration",
            "producer/AspirePipeline.Producer/producer.camera.connected",
            "producer/AspirePipeline.KafkaClient/messaging.publish.messages",
            "producer/AspirePipeline.KafkaClient/messaging.publish.duration",
            "producer/AspirePipeline.KafkaClient/messaging.kafka.network.tx",
            .. pipeline.Topology.Groups.Select(group => group.Resource).SelectMany(service => new[]
            {
                $"{service}/AspirePipeline.Consumer/consumer.frames.processed",
                $"{service}/AspirePipeline.Consumer/consumer.frames.latency",
                $"{service}/AspirePipeline.Consumer/consumer.frames.processing.duration",
                $"{service}/AspirePipeline.Consumer/consumer.lag",
                $"{service}/AspirePipeline.Consumer/consumer.analysis.value",
                $"{service}/AspirePipeline.KafkaClient/messaging.receive.messages",
                $"{service}/AspirePipeline.KafkaClient/messaging.kafka.consumer.lag",
            }),
            "kafka/AspirePipeline.Broker/broker.requests",
            "kafka/AspirePipeline.Broker/broker.bytes.in",
        ];

        // Histograms populated and counters past zero, not just declared: wait until every one has a useful point.
        string[] missing = [];
        // Cumulative counters grow between exports: when this test runs first, the first export may hold only a few
        // frames, so the wait also covers the frame count asserted below.
        const string published = "producer/AspirePipeline.Producer/producer.frames.published";
        string[] counted =
            [published, .. pipeline.Topology.Groups.Select(group => $"{group.Resource}/AspirePipeline.Consumer/consumer.frames.processed")];
        // Each camera is its own reader, connecting in its own time: wait until the gauge shows every one connected.
        const string connected = "producer/AspirePipeline.Producer/producer.camera.connected";
        await Poll.UntilAsync(() => (missing = required.Where(r => !Useful(Points(r))).ToArray()).Length == 0
                && (missing = [.. counted.Where(c => Last(c).Value < 10).Select(c => c + " (>= 10)")]).Length == 0
                && (missing = [.. pipeline.Topology.Cameras
                    .Where(camera => LastOf(connected, camera)?.Value != 1)
                    .Select(camera => $"{connected} of {camera} (1)")]).Length == 0,
            Deadline, () => $"Metrics without a useful value: {string.Join(", ", missing)}\nReceived: {metrics.Describe()}",
            interval: TimeSpan.FromSeconds(1));
        output.WriteLine(metrics.Describe());

        Assert.True(Last(published).Value >= 10, "frames published");
        var size = Last("producer/AspirePipeline.Producer/producer.frame.size");
        Assert.Equal("By", size.Unit);
        Assert.InRange(size.Value / size.Count, 1_000, PipelineFixture.Width * PipelineFixture.Height * 3);
        var publishLatency = Last("producer/AspirePipeline.Producer/producer.capture_to_publish.duration");
        Assert.Equal("ms", publishLatency.Unit);
        Assert.InRange(publishLatency.Value / publishLatency.Count, 0.01, 30_000);
        Assert.All(pipeline.Topology.Cameras, camera => Assert.Equal(1, LastOf(connected, camera)?.Value));

        foreach (var group in pipeline.Topology.Groups)
        {
            var (service, low, high) = (group.Resource, 0.0, group.Analyzer switch { "motion" => 1.0, "people" => 100.0, _ => 255.0 });
            Assert.True(Last($"{service}/AspirePipeline.Consumer/consumer.frames.processed").Value >= 10, $"{service}: frames processed");
            var latency = Last($"{service}/AspirePipeline.Consumer/consumer.frames.latency");
            Assert.Equal("ms", latency.Unit);
            Assert.Equal(group.GroupId, latency.Attributes.GetValueOrDefault("messaging.consumer.group.name"));
            Assert.InRange(latency.Value / latency.Count, 0.01, 60_000);
            Assert.All(Points($"{service}/AspirePipeline.Consumer/consumer.lag"), p => Assert.True(p.Value >= 0, $"{service}: negative lag"));
            Assert.All(Points($"{service}/AspirePipeline.Consumer/consumer.analysis.value"), p => Assert.InRange(p.Value, low, high));
            Assert.All(Points($"{service}/AspirePipeline.KafkaClient/messaging.kafka.consumer.lag"),
                p => Assert.True(p.Value >= 0, $"{service}: negative client lag"));
        }
        Assert.True(Last("kafka/AspirePipeline.Broker/broker.bytes.in").Value > 100_000, "the broker read the frames");

        IReadOnlyList<MetricPoint> Points(string key)
        {
            var parts = key.Split('/');
            return metrics.Find(parts[0], parts[1], parts[2]);
        }

        MetricPoint Last(string key) => Points(key).Last(p => p.Kind != MetricKind.Histogram || p.Count > 0);

        MetricPoint? LastOf(string key, string camera) =>
            Points(key).LastOrDefault(p => p.Attributes.GetValueOrDefault(ProducerMetrics.CameraTag) == camera);

        static bool Useful(IReadOnlyList<MetricPoint> points) => points.Any(p => p.Kind switch
        {
            MetricKind.Histogram => p.Count > 0,
            MetricKind.Sum => p.Value > 0,
            _ => true,
        });
    }

    [Fact]
    public async Task Every_resource_reports_its_health_checks_to_the_dashboard()
    {
        // The dashboard shows the health reports of each resource's snapshot: the broker's own check included.
        using var timeout = new CancellationTokenSource(Deadline);
        foreach (var (resource, check) in new[] { (ConnectionNames.Kafka, "kafka_check") }
            .Concat(pipeline.Topology.Cameras.Select(camera => (camera, $"{camera}_check"))))
        {
            var state = await pipeline.App.ResourceNotifications.WaitForResourceAsync(resource,
                e => e.Snapshot.HealthReports.Any(r => r.Name == check
                    && r.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy),
                timeout.Token);
            output.WriteLine($"{resource}: {string.Join(", ", state.Snapshot.HealthReports.Select(r => $"{r.Name}={r.Status}"))}");
        }
        foreach (var resource in new[] { "producer" }.Concat(pipeline.Topology.Groups.Select(group => group.Resource)))
        {
            var state = await pipeline.App.ResourceNotifications.WaitForResourceAsync(resource,
                e => e.Snapshot.HealthReports.Length > 0
                    && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
                timeout.Token);
            output.WriteLine($"{resource}: {string.Join(", ", state.Snapshot.HealthReports.Select(r => $"{r.Name}={r.Status}"))}");
        }
    }

    [Fact]
    public async Task The_dashboards_telemetry_api_refuses_a_caller_without_its_key_and_answers_one_with_it()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        using var anonymous = new DashboardTelemetry(pipeline.DashboardUrl);
        using var wrongKey = new DashboardTelemetry(pipeline.DashboardUrl, "not-the-key");
        using var withKey = new DashboardTelemetry(pipeline.DashboardUrl, TelemetryCapture.DashboardApiKey);

        Assert.Equal(401, await anonymous.ResourcesStatusAsync(timeout.Token));
        Assert.Equal(401, await wrongKey.ResourcesStatusAsync(timeout.Token));
        Assert.Equal(200, await withKey.ResourcesStatusAsync(timeout.Token));
        // The pages ask for the browser token: without it the dashboard sends the browser to its login page.
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var page = await browser.GetAsync(pipeline.DashboardUrl, timeout.Token);
        Assert.Equal(302, (int)page.StatusCode);
        Assert.Contains("/login", page.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);
    }

    private IReadOnlyList<PipelineGroup> Groups => pipeline.TestPatternGroups;

    private static string? Group(DashboardSpan span) => span.Attributes.GetValueOrDefault("messaging.consumer.group.name");
}
