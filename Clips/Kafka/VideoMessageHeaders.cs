using System.Globalization;
using System.Text;
using AspirePipeline.Recording;
using Confluent.Kafka;

namespace AspirePipeline.Clips.Kafka;

/// <summary>Reads the recording contract's headers (<see cref="VideoHeaders"/>: ASCII text) off a video message.</summary>
internal static class VideoMessageHeaders
{
    /// <summary>The last value of header <paramref name="name"/> as text, or null when the message has none.</summary>
    public static string? Text(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var value) && value is not null ? Encoding.ASCII.GetString(value) : null;

    public static bool IsKeyframe(Headers? headers) => Text(headers, VideoHeaders.Keyframe) == "1";

    /// <summary>The capture time: <c>video.capture-time-us</c> when present and readable, else the message timestamp.</summary>
    public static DateTimeOffset CaptureTime(Headers? headers, Timestamp timestamp) =>
        long.TryParse(Text(headers, VideoHeaders.CaptureTimestamp), NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            ? DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond)
            : DateTimeOffset.FromUnixTimeMilliseconds(timestamp.UnixTimestampMs);
}
