using AspirePipeline.FrameProcessing;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Health;
using AspirePipeline.FrameProcessing.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task An_invalid_setting_stops_the_start_naming_the_setting(string key, string value, string named)
    {
        await AssertStartFailsNaming(new() { [key] = value }, named);
    }

    [Theory]
    [InlineData("motion", "Motion:PixelThreshold", "300", "PixelThreshold")]
    [InlineData("people", "PeopleDetection:MinPersonHeight", "-1", "MinPersonHeight")]
    [InlineData("people", "Tracking:LeaveAfterFrames", "0", "LeaveAfterFrames")]
    public async Task An_invalid_setting_of_the_chosen_analysis_stops_the_start_naming_the_setting(string analyzer,
        string key, string value, string named)
    {
        await AssertStartFailsNaming(new() { ["FrameProcessing:Analyzer"] = analyzer, [key] = value }, named);
    }

    [Fact]
    public void The_analysis_is_the_project_s_own_unless_configuration_names_another()
    {
        using var own = BuildConsumer<MotionAnalyzer>([]);
        using var chosen = BuildConsumer<MotionAnalyzer>(new() { ["FrameProcessing:Analyzer"] = "people" });

        Assert.IsType<MotionAnalyzer>(own.Services.GetRequiredService<IFrameAnalyzer>());
        Assert.IsType<PeopleDetector>(chosen.Services.GetRequiredService<IFrameAnalyzer>());
        Assert.Equal("people", chosen.Services.GetRequiredService<ConsumerIdentity>().Analyzer);
    }

    [Fact]
    public void An_unknown_analysis_name_stops_the_build_naming_the_setting_and_the_known_names()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            BuildConsumer<MeanIntensityAnalyzer>(new() { ["FrameProcessing:Analyzer"] = "faces" }));

        Assert.Contains("FrameProcessing:Analyzer", error.Message);
        Assert.Contains("mean-intensity, motion, people", error.Message);
    }

    private static WebApplication BuildConsumer<TAnalyzer>(Dictionary<string, string?> settings)
        where TAnalyzer : class, IFrameAnalyzer
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = "127.0.0.1:9",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "g",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddFrameProcessing<TAnalyzer>();
        return builder.Build();
    }

    private static async Task AssertStartFailsNaming(Dictionary<string, string?> settings, string named)
    {
        // Kafka unreachable on purpose: validation must fail before anything talks to it.
        await using var app = BuildConsumer<MeanIntensityAnalyzer>(settings);

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
