using AspirePipeline.FrameProcessing;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Health;
using AspirePipeline.FrameProcessing.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ConsumerConfigurationTests
{
    [Theory]
    [InlineData("FrameProcessing:ChannelCapacity", "0", "ChannelCapacity")]
    [InlineData("FrameProcessing:Topic", "", "Topic")]
    [InlineData("FrameProcessing:SkipToNewestWhenLagExceeds", "-1", "SkipToNewestWhenLagExceeds")]
    [InlineData("LiveView:MaxFps", "0", "MaxFps")]
    [InlineData("Motion:PixelThreshold", "300", "PixelThreshold")]
    public async Task An_invalid_setting_stops_the_start_naming_the_setting(string key, string value, string named)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Unreachable on purpose: validation must fail before anything talks to Kafka.
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "g",
            [key] = value,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddFrameProcessing<MeanIntensityAnalyzer>();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task Health_is_unhealthy_until_the_group_assigns_then_healthy_then_degraded_when_lag_exceeds_the_limit()
    {
        var statistics = new ProcessingStatistics(TimeProvider.System);
        var check = new FrameConsumerHealthCheck(statistics, new ConsumerIdentity("g", "mean-intensity", "i", "frames"),
            Options.Create(new FrameProcessingOptions { MaxHealthyLag = 100 }));

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        statistics.SetAssignment([]);
        var idle = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, idle.Status);
        Assert.Contains("no partitions", idle.Description);

        statistics.SetAssignment([0, 1]);
        statistics.SetLag(0, 60);
        statistics.SetLag(1, 40);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        statistics.SetLag(1, 41);
        var lagging = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, lagging.Status);
        Assert.Contains("FrameProcessing:MaxHealthyLag", lagging.Description);

        // A revoked partition's lag no longer counts.
        statistics.SetAssignment([0]);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        statistics.SetFatalError("broker said no");
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }
}
