using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Frames;
using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

/// <summary>The consumer's spans and metrics, observed with in-process listeners while it reads from the real broker.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ConsumerTelemetryTests(ConsumerBrokerFixture fixture) : IClassFixture<ConsumerBrokerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sampled_frames_get_a_process_span_under_the_producer_context_and_every_frame_is_measured()
    {
        var bootstrap = fixture.BootstrapServers;
        var topics = await TestTopics.CreateAsync(bootstrap, framePartitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var sampled = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var sampledPoison = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        var spans = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FrameProcessingTelemetry.ComponentName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == sampled.TraceId || activity.TraceId == sampledPoison.TraceId)
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);

        using var frames = new FrameSource(bootstrap, topics.Frames);
        using var encoder = new FrameEncoder();
        using var results = new TopicReader(bootstrap, topics.Results);
        await using var host = await ConsumerTestHost.StartAsync<MeanIntensityAnalyzer>(bootstrap, topics, group);
        using var metrics = new HostMetrics(host.Services.GetRequiredService<IMeterFactory>());

        using (var image = FrameSource.Draw("cam-t", 0))
        {
            var frame = encoder.Encode(image, "cam-t", 0, FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow));
            var headers = new Headers();
            frame.Metadata.WriteHeaders(headers.Add);
            KafkaTraceContext.Inject(headers, sampled);
            await frames.ProduceRawAsync("cam-t", frame.Payload, headers);

            var poisonHeaders = new Headers();
            frame.Metadata.WriteHeaders(poisonHeaders.Add);
            KafkaTraceContext.Inject(poisonHeaders, sampledPoison);
            await frames.ProduceRawAsync("cam-t", Encoding.ASCII.GetBytes("not a jpeg"), poisonHeaders);
        }
        // Not sampled by the producer (no trace context): processed, measured, but no span of its own.
        await frames.ProduceAsync("cam-t", 1, 1);

        results.ReadUntil(2, Deadline);
        await Poll.UntilAsync(() => spans.Count == 2 && host.Statistics.PoisonMessages == 1, Deadline,
            () => "both sampled messages were processed");

        var process = Assert.Single(spans, span => span.TraceId == sampled.TraceId);
        Assert.Equal($"{topics.Frames} process", process.DisplayName);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(sampled.SpanId, process.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, process.Status);
        Assert.Equal("kafka", process.GetTagItem(MessagingTags.System));
        Assert.Equal(topics.Frames, process.GetTagItem(MessagingTags.DestinationName));
        Assert.Equal(group, process.GetTagItem(MessagingTags.ConsumerGroupName));
        Assert.Equal(0, process.GetTagItem(MessagingTags.KafkaPartition));
        Assert.Equal(0L, process.GetTagItem(MessagingTags.KafkaOffset));
        Assert.Equal("cam-t", process.GetTagItem(FrameProcessingTelemetry.CameraTag));
        Assert.Equal(0L, process.GetTagItem("frame.sequence"));
        Assert.IsType<double>(process.GetTagItem("analysis.value"));

        var poison = Assert.Single(spans, span => span.TraceId == sampledPoison.TraceId);
        Assert.Equal(sampledPoison.SpanId, poison.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, poison.Status);
        Assert.Equal("undecodable-image", poison.GetTagItem(MessagingTags.ErrorType));

        var telemetry = host.Services.GetRequiredService<FrameProcessingTelemetry>();
        await Poll.UntilAsync(() => telemetry.Report.Frames == 2, Deadline, () => "both frames were reported");

        metrics.Collect();
        Assert.Equal(2, metrics.Sum(FrameProcessingTelemetry.FramesProcessed));
        Assert.Equal(2, metrics.Count(FrameProcessingTelemetry.ProcessingDuration));
        Assert.Equal(2, metrics.Count(FrameProcessingTelemetry.CaptureToProcessedLatency));
        Assert.Equal(1, metrics.Sum(FrameProcessingTelemetry.PoisonMessages, ("reason", "undecodable-image")));
        Assert.All(metrics.Tags(FrameProcessingTelemetry.FramesProcessed),
            tags => Assert.Contains(new KeyValuePair<string, object?>(FrameProcessingTelemetry.GroupTag, group), tags));
        Assert.Equal(results.Records().Last().Value, metrics.Last(FrameProcessingTelemetry.AnalysisValue), 9);
        Assert.Equal(0, metrics.Last(FrameProcessingTelemetry.Lag));

        // The poison message stopped in decode: no stage counts it as a frame, yet every stage has CPU time.
        Assert.All(telemetry.Stages.Stages, stage => Assert.Equal(2, stage.Frames));
        foreach (var stage in telemetry.Stages.Stages)
        {
            var seconds = metrics.Sum(FrameProcessingTelemetry.StageCpuTime, (FrameProcessingTelemetry.StageTag, stage.Name),
                (FrameProcessingTelemetry.GroupTag, group));
            Assert.True(seconds > 0 && seconds <= stage.CpuSeconds,
                $"{FrameProcessingTelemetry.StageCpuTime} of {stage.Name}: {seconds} s, accounted {stage.CpuSeconds} s");
        }
    }

    /// <summary>Records the measurements of the meters one host created (its IMeterFactory is their scope).</summary>
    private sealed class HostMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

        public HostMetrics(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == FrameProcessingTelemetry.ComponentName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public void Collect() => _listener.RecordObservableInstruments();

        public double Sum(string name, params (string Key, string Value)[] tags) =>
            Matching(name, tags).Sum(measurement => measurement.Value);

        public int Count(string name) => Matching(name, []).Count();

        public double Last(string name) => Matching(name, []).Last().Value;

        public IEnumerable<KeyValuePair<string, object?>[]> Tags(string name) => Matching(name, []).Select(m => m.Tags);

        private IEnumerable<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string name,
            (string Key, string Value)[] tags) =>
            _measurements.Where(measurement => measurement.Name == name
                && tags.All(tag => measurement.Tags.Any(t => t.Key == tag.Key && Equals(t.Value, tag.Value))));

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _measurements.Enqueue((instrument.Name, value, tags.ToArray()));

        public void Dispose() => _listener.Dispose();
    }
}
