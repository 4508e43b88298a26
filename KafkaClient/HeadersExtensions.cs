using Confluent.Kafka;

namespace AspirePipeline.KafkaClient;

/// <summary>Adapters from Confluent's <see cref="Headers"/> to transport-independent header lookups.</summary>
public static class HeadersExtensions
{
    /// <summary>The last value of <paramref name="key"/>, or null (null headers read as empty).</summary>
    public static byte[]? GetLastBytesOrNull(this Headers? headers, string key) =>
        headers is not null && headers.TryGetLastBytes(key, out var value) ? value : null;

    /// <summary>A lookup function, e.g. for <c>FrameDecoder.Decode(payload, message.Headers.AsLookup())</c>.</summary>
    public static Func<string, byte[]?> AsLookup(this Headers? headers) => key => headers.GetLastBytesOrNull(key);
}
