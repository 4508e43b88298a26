using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspirePipeline.Tests.Pipeline;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Hosting;

/// <summary>The camera resource in process mode, started for real: GStreamer's RTSP server under DCP.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class CameraSimulatorProcessTests
{
    private const int Width = 320;
    private const int Height = 180;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_simulator_serves_its_stream_and_is_restarted_after_a_crash_on_the_same_URL()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        // The real AppHost's camera alone: the other resources are taken out of the model before it starts.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Kafka:Mode=Broker", "--Camera:Mode=Process", $"--Camera:Width={Width}", $"--Camera:Height={Height}", "--Camera:Fps=10"],
            timeout.Token);
        foreach (var other in builder.Resources.Where(r => r.Name != "camera").ToList())
        {
            builder.Resources.Remove(other);
        }

        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);

        await app.ResourceNotifications.WaitForResourceHealthyAsync("camera", timeout.Token);
        var url = await app.GetConnectionStringAsync("camera", timeout.Token) ?? throw new InvalidOperationException("no camera URL");
        var before = await CameraFrame.GrabAsync(url, Width, Height, TimeSpan.FromSeconds(30));
        var pid = Pid(await app.ResourceNotifications.WaitForResourceAsync("camera", e => Pid(e) > 0, timeout.Token));

        // What GStreamer's "Bail out!" assertions do: abort the process.
        using (var kill = Process.Start("kill", ["-ABRT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        var restarted = await app.ResourceNotifications.WaitForResourceAsync(
            "camera", e => e.Snapshot.State?.Text == KnownResourceStates.Running && Pid(e) > 0 && Pid(e) != pid, timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("camera", timeout.Token);
        var after = await CameraFrame.GrabAsync(url, Width, Height, TimeSpan.FromSeconds(30));

        Assert.NotEqual(pid, Pid(restarted));
        Assert.Equal(url, await app.GetConnectionStringAsync("camera", timeout.Token));
        // Same test pattern before and after: the background colour dominates every channel's mean.
        foreach (var (channel, value) in before.ChannelMeans())
        {
            Assert.InRange(after.ChannelMeans()[channel], value - 8, value + 8);
        }

        await app.StopAsync(timeout.Token);
    }

    private static int Pid(ResourceEvent change) =>
        change.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(value.ToString(), out var pid) ? pid : 0;
}
