using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// <c>FrameProcessing:StartAt</c>: where a group with no committed offsets starts reading, as a point in time (an ISO
/// 8601 timestamp) or a duration back from the consumer's start (<c>-1h</c>, <c>-30m</c>, <c>-90s</c>). Kafka's log
/// is the pipeline's memory: a new group (or a one-off run of an analyzer) reprocesses that window at full speed, in
/// its own group so the live groups are not disturbed. Frames written before the consumer started are replays, and
/// their results say so.
/// </summary>
public sealed partial class ReplayStart
{
    private ReplayStart(DateTimeOffset? from, DateTimeOffset startedAt)
    {
        From = from;
        StartedAt = startedAt;
    }

    /// <summary>The first instant to replay; null when <c>StartAt</c> is not set (the group starts as configured).</summary>
    public DateTimeOffset? From { get; }

    /// <summary>When this consumer started: frames stamped before it are replays.</summary>
    public DateTimeOffset StartedAt { get; }

    public bool IsEnabled => From is not null;

    /// <summary>True for a frame (by its Kafka timestamp) this replaying consumer reads from the past.</summary>
    public bool IsReplay(DateTimeOffset frameTimestamp) => IsEnabled && frameTimestamp < StartedAt;

    public static ReplayStart Create(FrameProcessingOptions options, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return string.IsNullOrWhiteSpace(options.StartAt)
            ? new ReplayStart(null, now)
            : new ReplayStart(Parse(options.StartAt, now, out var error) ?? throw new InvalidOperationException(error), now);
    }

    /// <summary>The instant <paramref name="text"/> names, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static DateTimeOffset? Parse(string text, DateTimeOffset now, out string? error)
    {
        error = null;
        var trimmed = text.Trim();
        if (Duration().Match(trimmed) is { Success: true } match)
        {
            var amount = double.Parse(match.Groups["amount"].Value, CultureInfo.InvariantCulture);
            var back = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return now - back;
        }
        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            if (instant <= now)
            {
                return instant;
            }
            error = $"FrameProcessing:StartAt '{text}' is in the future; give a past time or a duration back such as -1h.";
            return null;
        }
        error = $"FrameProcessing:StartAt '{text}' is neither a duration back (-90s, -30m, -1h, -2d) nor a timestamp (2026-12-06T10:00:00Z).";
        return null;
    }

    [GeneratedRegex(@"^-(?<amount>\d+(\.\d+)?)(?<unit>ms|s|m|h|d)$")]
    private static partial Regex Duration();
}

/// <summary>A <c>StartAt</c> that names no usable instant stops the start, naming the setting.</summary>
internal sealed class ReplayStartValidator(TimeProvider time) : IValidateOptions<FrameProcessingOptions>
{
    public ValidateOptionsResult Validate(string? name, FrameProcessingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.StartAt))
        {
            return ValidateOptionsResult.Success;
        }
        return ReplayStart.Parse(options.StartAt, time.GetUtcNow(), out var error) is null
            ? ValidateOptionsResult.Fail(error!)
            : ValidateOptionsResult.Success;
    }
}
