using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace AspirePipeline.KafkaClient;

/// <summary>
/// W3C trace context carried in Kafka headers (<c>traceparent</c>, <c>tracestate</c>, UTF-8), so one trace follows a
/// message from the producer into every consumer group.
/// </summary>
public static class KafkaTraceContext
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>Writes <paramref name="activity"/>'s context into <paramref name="headers"/>; no-op for a null activity.</summary>
    public static void Inject(Headers headers, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }
        Inject(headers, activity.Context);
    }

    /// <summary>Writes <paramref name="context"/> into <paramref name="headers"/>, replacing earlier values.</summary>
    public static void Inject(Headers headers, ActivityContext context)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (context == default)
        {
            return;
        }
        var flags = (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
        var traceParent = $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{flags}";
        headers.Remove(TraceParentHeader);
        headers.Remove(TraceStateHeader);
        headers.Add(TraceParentHeader, Encoding.UTF8.GetBytes(traceParent));
        if (!string.IsNullOrEmpty(context.TraceState))
        {
            headers.Add(TraceStateHeader, Encoding.UTF8.GetBytes(context.TraceState));
        }
    }

    /// <summary>
    /// Reads the producer's context from <paramref name="headers"/>; <c>default</c> when absent or malformed (a
    /// message from a client that does not trace must still be processed).
    /// </summary>
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes(TraceParentHeader, out var traceParent) || traceParent.Length == 0)
        {
            return default;
        }
        string? traceState = headers.TryGetLastBytes(TraceStateHeader, out var state) ? Encoding.UTF8.GetString(state) : null;
        return ActivityContext.TryParse(Encoding.UTF8.GetString(traceParent), traceState, isRemote: true, out var context)
            ? context
            : default;
    }
}
