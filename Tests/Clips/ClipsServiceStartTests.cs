using System.Net;
using System.Text.Json;
using AspirePipeline.Contracts;
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
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = "127.0.0.1:9",
            [key] = value,
        });

        var exitCode = await service.WaitForExitAsync(Deadline);

        Assert.True(exitCode != 0, $"Clips with {key}={value} exited with 0.\n{service.Output}");
        Assert.Contains(expected, service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_kafka_a_clip_is_503_saying_what_to_check_and_health_is_unhealthy()
    {
        await using var service = await ServiceProcess.StartListeningAsync("Clips", "clips-no-kafka", new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = $"127.0.0.1:{Ports.Unused()}",
            ["Clips__KafkaTimeout"] = "00:00:02",
        });
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var clip = await http.GetAsync(new Uri("/clips/cam-a?from=2026-12-07T10:00:00Z&to=2026-12-07T10:00:10Z", UriKind.Relative));

        var body = await clip.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, clip.StatusCode);
        using var problem = JsonDocument.Parse(body);
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.Contains("Kafka did not", detail, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:kafka", detail, StringComparison.Ordinal);

        var health = "";
        await Poll.UntilAsync(async () =>
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                health = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            Deadline, () => $"/health answering 503 without Kafka; it said {health}");
        Assert.Contains("Aspire.Confluent.Kafka.Consumer", health, StringComparison.Ordinal);
    }
}
