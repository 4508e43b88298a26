using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.Tests.Pipeline;

namespace AspirePipeline.Tests.Camera;

/// <summary>
/// The simulator checks its whole stream once at start: on a machine without a GStreamer plugin it must exit with a
/// message naming the element and the Debian package, not print "ready" and answer every DESCRIBE with 503.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class SimulatorStartupTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const string SystemPluginDirectory = "/usr/lib/x86_64-linux-gnu/gstreamer-1.0";

    [Fact]
    public async Task Without_the_overlay_plugin_it_exits_naming_the_package_instead_of_serving_503()
    {
        // A plugin directory with every installed plugin but gstreamer1.0-x's pango plugin (textoverlay & co), and a
        // registry of its own so the machine's plugin cache is neither used nor touched.
        var scratch = Directory.CreateTempSubdirectory("aspirepipeline-gst-");
        try
        {
            await AssertExitsNamingThePackage(scratch.FullName);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static async Task AssertExitsNamingThePackage(string scratch)
    {
        var plugins = Directory.CreateDirectory(Path.Combine(scratch, "plugins")).FullName;
        Assert.True(File.Exists(Path.Combine(SystemPluginDirectory, "libgstpango.so")),
            "gstreamer1.0-x is not installed: scripts/prerequisites.sh installs it");
        foreach (var plugin in Directory.EnumerateFiles(SystemPluginDirectory, "*.so")
            .Where(p => !p.EndsWith("/libgstpango.so", StringComparison.Ordinal)))
        {
            File.CreateSymbolicLink(Path.Combine(plugins, Path.GetFileName(plugin)), plugin);
        }

        var run = await ChildProcess.RunAsync("/usr/bin/python3",
            ["-u", CameraSimulatorProcess.ScriptPath, "--port", "0", "--width", "320", "--height", "180"], Deadline,
            environment: new Dictionary<string, string>
            {
                ["GST_PLUGIN_SYSTEM_PATH_1_0"] = plugins,
                ["GST_PLUGIN_PATH_1_0"] = "",
                ["GST_REGISTRY_1_0"] = Path.Combine(scratch, "registry.bin"),
            });

        Assert.Equal(3, run.ExitCode);
        Assert.DoesNotContain("ready", run.StandardOutput, StringComparison.Ordinal);
        var message = run.StandardError;
        Assert.Contains("textoverlay (gstreamer1.0-x)", message, StringComparison.Ordinal);
        Assert.Contains("Install the Debian package(s) gstreamer1.0-x", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_every_plugin_it_prints_ready_only_once_a_reader_gets_frames()
    {
        await using var simulator = await CameraSimulatorProcess.StartAsync(320, 180, 10);

        // The first thing a reader does after "ready": a frame must come, not a 503.
        var frame = await CameraFrame.GrabAsync(simulator.Url, 320, 180, TimeSpan.FromSeconds(30));

        Assert.Equal((320, 180), (frame.Width, frame.Height));
        // The pattern's background (0x80 blue) covers most of the picture.
        Assert.InRange(frame.ChannelMeans()["blue"], 100, 160);
    }
}
