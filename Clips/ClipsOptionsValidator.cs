using System.Globalization;
using AspirePipeline.Clips.Remux;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips;

/// <summary>
/// Checks the <c>Clips</c> section at start, each failure naming its configuration path and the value that would do;
/// also that ffmpeg is there, so a machine without Debian's package stops at start rather than at the first clip.
/// </summary>
internal sealed class ClipsOptionsValidator : IValidateOptions<ClipsOptions>
{
    private const string Section = ClipsOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ClipsOptions options)
    {
        var failures = new List<string>();
        RequireText(failures, nameof(ClipsOptions.VideoTopic), options.VideoTopic);
        RequireText(failures, nameof(ClipsOptions.EventsTopic), options.EventsTopic);
        RequireWithin(failures, nameof(ClipsOptions.KeyframeLookback), options.KeyframeLookback, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        RequireWithin(failures, nameof(ClipsOptions.MaxDuration), options.MaxDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        RequireWithin(failures, nameof(ClipsOptions.RecordingWait), options.RecordingWait, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        RequireWithin(failures, nameof(ClipsOptions.EventBefore), options.EventBefore, TimeSpan.Zero, TimeSpan.FromHours(1));
        RequireWithin(failures, nameof(ClipsOptions.EventAfter), options.EventAfter, TimeSpan.Zero, TimeSpan.FromHours(1));
        if (options.EventBefore + options.EventAfter <= TimeSpan.Zero || options.EventBefore + options.EventAfter > options.MaxDuration)
        {
            failures.Add($"{Section}:EventBefore + {Section}:EventAfter is {Format(options.EventBefore + options.EventAfter)}; "
                + $"an event's clip must be longer than 0 and at most {Section}:MaxDuration ({Format(options.MaxDuration)}).");
        }
        RequireWithin(failures, nameof(ClipsOptions.EventsShown), options.EventsShown, 1, 1000);
        RequireWithin(failures, nameof(ClipsOptions.EventsScanLimit), options.EventsScanLimit, 1, 10_000_000);
        RequireWithin(failures, nameof(ClipsOptions.KafkaTimeout), options.KafkaTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        RequireWithin(failures, nameof(ClipsOptions.CatalogRefreshInterval), options.CatalogRefreshInterval,
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (!string.IsNullOrWhiteSpace(options.TempDirectory) && !Directory.Exists(options.TempDirectory))
        {
            failures.Add($"{Section}:TempDirectory is '{options.TempDirectory}', which does not exist; create it or leave the setting empty.");
        }
        if (string.IsNullOrWhiteSpace(options.Ffmpeg))
        {
            failures.Add($"{Section}:Ffmpeg is empty; leave it unset (ffmpeg on PATH) or give ffmpeg's full path.");
        }
        else if (FfmpegProgram.DescribeMissing(options.Ffmpeg) is { } missing)
        {
            failures.Add($"Clips are remuxed by ffmpeg, but {missing}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequireText(List<string> failures, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{Section}:{key} is empty; name the topic (leave it unset for the pipeline's own).");
        }
    }

    private static void RequireWithin(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Section}:{key} is {Format(value)}; it must be within {Format(min)} and {Format(max)}.");
        }
    }

    private static void RequireWithin(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:{key} is {value}; it must be within {min} and {max}."));
        }
    }

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
