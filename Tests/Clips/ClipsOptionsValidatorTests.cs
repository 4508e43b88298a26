using AspirePipeline.Clips;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Clips;

/// <summary>The <c>Clips</c> section's checks at start: each failure names its configuration path.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ClipsOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        var result = new ClipsOptionsValidator().Validate(null, new ClipsOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Each_bad_value_is_named_by_its_path_with_what_would_do()
    {
        var result = new ClipsOptionsValidator().Validate(null, new ClipsOptions
        {
            VideoTopic = " ",
            KeyframeLookback = TimeSpan.FromMinutes(11),
            RecordingWait = TimeSpan.FromSeconds(-1),
            EventsShown = 0,
            KafkaTimeout = TimeSpan.Zero,
            TempDirectory = "/no/such/directory",
            Ffmpeg = "ffmpeg-that-is-not-installed",
        });

        Assert.False(result.Succeeded);
        Assert.Equal(7, result.Failures!.Count());
        Assert.Contains("Clips:VideoTopic is empty", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Clips:KeyframeLookback is 00:11:00; it must be within 00:00:00 and 00:10:00", result.FailureMessage,
            StringComparison.Ordinal);
        Assert.Contains("Clips:RecordingWait is -00:00:01", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Clips:EventsShown is 0; it must be within 1 and 1000", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Clips:KafkaTimeout is 00:00:00", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Clips:TempDirectory is '/no/such/directory', which does not exist", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("'ffmpeg-that-is-not-installed' is not on PATH", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_clip_longer_than_the_longest_clip_is_refused()
    {
        var result = new ClipsOptionsValidator().Validate(null, new ClipsOptions { MaxDuration = TimeSpan.FromSeconds(10) });

        Assert.Contains("Clips:EventBefore + Clips:EventAfter is 00:00:15; an event's clip must be longer than 0 and at most "
            + "Clips:MaxDuration (00:00:10)", result.FailureMessage, StringComparison.Ordinal);
    }
}
