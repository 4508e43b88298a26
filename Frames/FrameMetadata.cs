using System.Buffers.Text;

namespace AspirePipeline.Frames;

/// <summary>
/// What the headers (or a seed JSON payload) say about a frame. Camera id, sequence and capture time are null only for
/// seed JSON messages that arrived without headers, as the original design's clients send them.
/// </summary>
public sealed record FrameMetadata(
    string? CameraId,
    long? Sequence,
    long? CaptureTimestampMicros,
    int Width,
    int Height,
    int Channels,
    FrameEncoding Encoding)
{
    /// <summary>Largest width or height accepted; anything above is treated as a corrupted header.</summary>
    public const int MaxDimension = 16384;

    public DateTimeOffset? CaptureTime => CaptureTimestampMicros is { } micros
        ? DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond)
        : null;

    public static long ToUnixMicroseconds(DateTimeOffset time) =>
        (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>
    /// Writes the contract headers through <paramref name="add"/> (e.g. Confluent's <c>Headers.Add</c>), values as ASCII.
    /// </summary>
    public void WriteHeaders(Action<string, byte[]> add)
    {
        ArgumentNullException.ThrowIfNull(add);
        if (CameraId is null || Sequence is null || CaptureTimestampMicros is null)
        {
            throw new InvalidOperationException("Frame headers need a camera id, a sequence number and a capture timestamp.");
        }

        add(FrameHeaders.CameraId, System.Text.Encoding.UTF8.GetBytes(CameraId));
        add(FrameHeaders.Sequence, FormatNumber(Sequence.Value));
        add(FrameHeaders.CaptureTimestamp, FormatNumber(CaptureTimestampMicros.Value));
        add(FrameHeaders.Width, FormatNumber(Width));
        add(FrameHeaders.Height, FormatNumber(Height));
        add(FrameHeaders.Channels, FormatNumber(Channels));
        add(FrameHeaders.Encoding, System.Text.Encoding.ASCII.GetBytes(Encoding.ToWireName()));
    }

    /// <summary>
    /// Reads the contract headers through <paramref name="header"/> (returns the last value of a key, or null).
    /// Returns null when the message carries none of them (a headerless seed JSON message).
    /// </summary>
    /// <exception cref="FrameFormatException">A header is missing, unparsable or out of range.</exception>
    public static FrameMetadata? ReadHeaders(Func<string, byte[]?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var encodingValue = header(FrameHeaders.Encoding);
        if (encodingValue is null)
        {
            foreach (var name in FrameHeaders.All)
            {
                if (header(name) is not null)
                {
                    throw new FrameFormatException(FrameFormatError.MissingHeader,
                        $"Frame header '{FrameHeaders.Encoding}' is missing while '{name}' is present; "
                        + $"producers must write all of: {string.Join(", ", FrameHeaders.All)}.");
                }
            }
            return null;
        }

        if (!FrameEncodingNames.TryParse(encodingValue, out var encoding))
        {
            throw new FrameFormatException(FrameFormatError.UnknownEncoding,
                $"Frame header '{FrameHeaders.Encoding}' has unknown value '{Printable(encodingValue)}'; expected "
                + $"'{FrameEncodingNames.Jpeg}', '{FrameEncodingNames.RawBgr}' or '{FrameEncodingNames.SeedJson}'.");
        }

        var cameraId = Required(header, FrameHeaders.CameraId);
        if (cameraId.Length == 0)
        {
            throw new FrameFormatException(FrameFormatError.BadHeader, $"Frame header '{FrameHeaders.CameraId}' is empty.");
        }

        var sequence = ParseNumber(header, FrameHeaders.Sequence);
        var timestamp = ParseNumber(header, FrameHeaders.CaptureTimestamp);
        var width = ParseNumber(header, FrameHeaders.Width);
        var height = ParseNumber(header, FrameHeaders.Height);
        var channels = ParseNumber(header, FrameHeaders.Channels);
        if (sequence < 0)
        {
            throw new FrameFormatException(FrameFormatError.BadHeader,
                $"Frame header '{FrameHeaders.Sequence}' is negative ({sequence}).");
        }
        ValidateShape(width, height, channels, "headers");

        return new FrameMetadata(System.Text.Encoding.UTF8.GetString(cameraId), sequence, timestamp,
            (int)width, (int)height, (int)channels, encoding);
    }

    internal static void ValidateShape(long width, long height, long channels, string source)
    {
        ValidateDimensions(width, height, source);
        if (channels is not (1 or 3 or 4))
        {
            throw new FrameFormatException(FrameFormatError.BadHeader,
                $"Frame {source} claim {channels} channels; expected 1, 3 or 4.");
        }
    }

    internal static void ValidateDimensions(long width, long height, string source)
    {
        if (width <= 0 || height <= 0 || width > MaxDimension || height > MaxDimension)
        {
            throw new FrameFormatException(FrameFormatError.AbsurdDimensions,
                $"Frame {source} claim {width}x{height} pixels; width and height must be within 1..{MaxDimension}.");
        }
    }

    private static byte[] Required(Func<string, byte[]?> header, string name) =>
        header(name) ?? throw new FrameFormatException(FrameFormatError.MissingHeader,
            $"Frame header '{name}' is missing; producers must write all of: {string.Join(", ", FrameHeaders.All)}.");

    private static long ParseNumber(Func<string, byte[]?> header, string name)
    {
        var value = Required(header, name);
        if (!Utf8Parser.TryParse(value, out long number, out var consumed) || consumed != value.Length || value.Length == 0)
        {
            throw new FrameFormatException(FrameFormatError.BadHeader,
                $"Frame header '{name}' is '{Printable(value)}', not a decimal integer.");
        }
        return number;
    }

    private static byte[] FormatNumber(long value)
    {
        Span<byte> buffer = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, buffer, out var written);
        return buffer[..written].ToArray();
    }

    internal static string Printable(ReadOnlySpan<byte> value)
    {
        const int limit = 64;
        var text = System.Text.Encoding.UTF8.GetString(value[..Math.Min(value.Length, limit)]);
        var cleaned = string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
        return value.Length > limit ? cleaned + "..." : cleaned;
    }
}
