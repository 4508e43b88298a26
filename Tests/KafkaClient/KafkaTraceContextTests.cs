using System.Diagnostics;
using System.Text;
using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.KafkaClient;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class KafkaTraceContextTests
{
    [Fact]
    public void Context_round_trips_through_headers()
    {
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(),
            ActivityTraceFlags.Recorded, "vendor=abc");
        var headers = new Headers();

        KafkaTraceContext.Inject(headers, context);
        var extracted = KafkaTraceContext.Extract(headers);

        Assert.Equal(context.TraceId, extracted.TraceId);
        Assert.Equal(context.SpanId, extracted.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, extracted.TraceFlags);
        Assert.Equal("vendor=abc", extracted.TraceState);
        Assert.True(extracted.IsRemote);
        Assert.Equal($"00-{context.TraceId}-{context.SpanId}-01",
            Encoding.UTF8.GetString(headers.GetLastBytes(KafkaTraceContext.TraceParentHeader)));
    }

    [Fact]
    public void Inject_from_an_activity_replaces_earlier_values()
    {
        using var activity = new Activity("publish").SetIdFormat(ActivityIdFormat.W3C).Start();
        var headers = new Headers { { KafkaTraceContext.TraceParentHeader, "stale"u8.ToArray() } };

        KafkaTraceContext.Inject(headers, activity);

        Assert.Single(headers, header => header.Key == KafkaTraceContext.TraceParentHeader);
        Assert.Equal(activity.SpanId, KafkaTraceContext.Extract(headers).SpanId);
    }

    [Fact]
    public void Missing_or_malformed_context_extracts_as_default()
    {
        Assert.Equal(default, KafkaTraceContext.Extract(null));
        Assert.Equal(default, KafkaTraceContext.Extract([]));
        Assert.Equal(default, KafkaTraceContext.Extract(new Headers { { KafkaTraceContext.TraceParentHeader, "00-nonsense"u8.ToArray() } }));
    }

    [Fact]
    public void Null_activity_writes_nothing()
    {
        var headers = new Headers();

        KafkaTraceContext.Inject(headers, (Activity?)null);

        Assert.Empty(headers);
    }
}
