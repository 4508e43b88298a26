using System.Diagnostics;
using Aspire.Hosting.Testing;
using AspirePipeline.Contracts;
using YamlDotNet.RepresentationModel;
using AspirePipeline.Tests.Infrastructure;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.Tests.Publishing;

/// <summary>
/// Publishes the real AppHost with the inputs a deployment is given (an existing Kafka cluster, a real camera) and
/// checks what the output and Aspire's own deployment state then hold.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class AppHostDeploymentInputsTests
{
    private const string Brokers = "broker1.example.com:9093,broker2.example.com:9093";

    private static async Task<ComposePublish> PublishAppHostAsync(params string[] configuration)
    {
        var directory = ComposePublish.NewDirectory();
        try
        {
            using var timeout = new CancellationTokenSource(ComposePublish.Timeout);
            string[] args = [.. ComposePublish.PublishArgs(directory), .. configuration];
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);
            await using var app = await builder.BuildAsync(timeout.Token);
            await app.RunAsync(timeout.Token).WaitAsync(ComposePublish.Timeout);
            return ComposePublish.Open(directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Publishes the AppHost as <c>aspire publish</c> does, in its own process (<c>dotnet run --project AppHost --
    /// --operation publish ...</c>): only there does Aspire load and save its deployment state
    /// (<c>$HOME/.aspire/deployments/</c>); the testing builder keeps none. <paramref name="home"/> stands in for the
    /// user's home directory, so the state starts empty and is the test's own.
    /// </summary>
    private static async Task<ComposePublish> PublishAppHostProcessAsync(string home, params string[] configuration)
    {
        var directory = ComposePublish.NewDirectory();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["HOME"] = home;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var arg in (string[])
            ["run", "--project", Projects.AppHost.ProjectPath, "--no-build", "--", .. ComposePublish.PublishArgs(directory), .. configuration])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(ComposePublish.Timeout);
            Assert.True(process.ExitCode == 0, $"The AppHost's publish failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
            return ComposePublish.Open(directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Every file under <paramref name="directory"/> that contains <paramref name="secret"/>.</summary>
    private static List<string> FilesContaining(string directory, string secret) =>
        !Directory.Exists(directory)
            ? []
            : Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Where(f => File.ReadAllText(f).Contains(secret, StringComparison.Ordinal))
                .ToList();

    /// <summary>Where Aspire keeps the parameter values of publishes and deploys (its deployment state), per AppHost.</summary>
    private static string DeploymentStateDirectory(string home) => Path.Combine(home, ".aspire", "deployments");

    private static void DeleteHome(string home)
    {
        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    [Fact]
    public async Task An_existing_kafka_cluster_publishes_as_the_services_connection_string_without_a_kafka_service()
    {
        using var output = await PublishAppHostAsync($"--ConnectionStrings:kafka={Brokers}");

        var names = output.Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.DoesNotContain("kafka", names);
        foreach (var service in new[] { "producer", "consumer", "consumer2" })
        {
            Assert.Equal(Brokers, ComposePublish.Environment(output.Service(service))[ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)]);
            Assert.Null(ComposePublish.Scalar(output.Service(service), "depends_on", "kafka", "condition"));
        }

        var (exitCode, config) = await output.ComposeConfigAsync();
        Assert.True(exitCode == 0, $"docker-compose config rejected the output:\n{config}");
    }

    [Fact]
    public async Task A_camera_url_in_the_configuration_alone_keeps_the_simulator()
    {
        // What Aspire's deployment state does with a URL an earlier publish was given: it is back in the configuration.
        var password = Guid.NewGuid().ToString("N");
        using var output = await PublishAppHostAsync($"--Parameters:camera-url=rtsp://viewer:{password}@192.0.2.10:554/stream1");

        Assert.StartsWith("docker.io/bluenviron/mediamtx:", ComposePublish.Scalar(output.Service("camera"), "image"), StringComparison.Ordinal);
        Assert.Equal("rtsp://camera:8554/camera", ComposePublish.Environment(output.Service("producer"))["ConnectionStrings__camera"]);
        Assert.Empty(FilesContaining(output.Directory, password));
    }

    [Fact]
    public async Task A_real_camera_takes_its_url_from_the_deployments_environment_and_no_file_holds_it()
    {
        var password = Guid.NewGuid().ToString("N");
        var url = $"rtsp://viewer:{password}@192.0.2.10:554/stream1";
        var home = ComposePublish.NewDirectory();
        try
        {
            await PublishedWithExternalCameraAsync(home, url, password);
        }
        finally
        {
            DeleteHome(home);
        }
    }

    private static async Task PublishedWithExternalCameraAsync(string home, string url, string password)
    {
        using var output = await PublishAppHostProcessAsync(home, "--Cameras:camera:Source=Rtsp", $"--Parameters:camera-url={url}");

        var names = output.Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.DoesNotContain("camera", names);
        var producer = ComposePublish.Environment(output.Service("producer"));
        Assert.Equal("${CAMERA_URL}", producer["ConnectionStrings__camera"]);
        Assert.Equal("${CAMERA_URL}", producer[ServiceEnvironment.Producer.Camera(0, CameraSetting.Url)]);
        Assert.Contains("\nCAMERA_URL=\n", output.EnvText.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        // Neither our files nor Aspire's deployment state (which would hand the URL to every later publish) keep it.
        Assert.Empty(FilesContaining(output.Directory, password));
        Assert.Empty(FilesContaining(DeploymentStateDirectory(home), password));

        var (exitCode, config) = await output.ComposeConfigAsync(new Dictionary<string, string> { ["CAMERA_URL"] = url });
        Assert.True(exitCode == 0, $"docker-compose config rejected the output:\n{config}");
        Assert.Contains(password, config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_later_publish_without_Source_Rtsp_is_back_on_the_simulator()
    {
        var password = Guid.NewGuid().ToString("N");
        var home = ComposePublish.NewDirectory();
        try
        {
            using (await PublishAppHostProcessAsync(
                home, "--Cameras:camera:Source=Rtsp", $"--Parameters:camera-url=rtsp://viewer:{password}@192.0.2.10:554/stream1"))
            {
            }

            using var output = await PublishAppHostProcessAsync(home);

            Assert.StartsWith("docker.io/bluenviron/mediamtx:", ComposePublish.Scalar(output.Service("camera"), "image"), StringComparison.Ordinal);
            Assert.DoesNotContain("CAMERA_URL", output.EnvText, StringComparison.Ordinal);
        }
        finally
        {
            DeleteHome(home);
        }
    }
}
