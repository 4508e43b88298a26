using System.Globalization;

namespace AspirePipeline.Clips;

/// <summary>How instants are written (ISO 8601 UTC to the millisecond) and read (ISO 8601 with a zone, or Unix milliseconds).</summary>
internal static class Instants
{
    public const string Example = "2026-12-07T14:30:00Z";

    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads <paramref name="text"/>; <paramref name="error"/> says what is wrong with it, naming <paramref name="name"/>.</summary>
    public static bool TryParse(string name, string? text, out DateTimeOffset instant, out string? error)
    {
        instant = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"{name} is empty; give an ISO 8601 instant such as {Example} or Unix milliseconds.";
            return false;
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds))
        {
            if (milliseconds < 0 || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            {
                error = $"{name} is {text}, outside the Unix milliseconds an instant can have.";
                return false;
            }
            instant = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            return true;
        }
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            error = $"{name} '{text}' is neither an ISO 8601 instant such as {Example} nor Unix milliseconds.";
            return false;
        }
        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            error = $"{name} '{text}' has no time zone; end it with Z (UTC) or an offset such as +01:00.";
            return false;
        }
        instant = new DateTimeOffset(parsed.ToUniversalTime(), TimeSpan.Zero);
        return true;
    }

    /// <summary>A duration for messages: "10 s", "1.5 s", "10 min".</summary>
    public static string Describe(TimeSpan duration) =>
        duration.TotalSeconds < 120
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.##} min");
}
