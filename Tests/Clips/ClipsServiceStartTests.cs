using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Clips;

/// <summary>The Clips process on a machine or configuration that cannot serve: it says so, naming what to fix.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ClipsServiceStartTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [Theory]
    // A machine without Debian's ffmpeg (PATH without /usr/bin): named at start, not at the first clip.
    [InlineData("PATH", "/usr/sbin:/sbin", "install the Debian package ffmpeg (scripts/prerequisites.sh does), or set Clips:Ffmpeg")]
    [InlineData("Clips__Ffmpeg", "/opt/none/ffmpeg", "/opt/none/ffmpeg (set by Clips:Ffmpeg) does not exist: install the Debian package ffmpeg")]
    [InlineData("Clips__MaxDuration", "00:00:00", "Clips:MaxDuration is 00:00:00; it must be within 00:00:01 and 1.00:00:00")]
    [InlineData("Clips__EventAfter", "00:20:00", "Clips:EventBefore + Clips:EventAfter is 00:20:05")]
    public async Task A_setting_or_program_that_cannot_work_stops_the_start_naming_it(string key, string value, string expected)
    {
        await using var service = ServiceProcess.Start("Clips", new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = "127.0.0.1:9",
            [key] = value,
        });

        var exitCode = await service.WaitForExitAsync(Deadline);

        Assert.True(exitCode != 0, $"Clips with {key}={value} exited with 0.\n{service.Output}");
        Assert.Contains(expected, service.Output, StringComparison.Ordinal);
    }
}
