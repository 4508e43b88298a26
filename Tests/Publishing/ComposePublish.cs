using System.Diagnostics;
using Aspire.Hosting;
using YamlDotNet.RepresentationModel;

namespace AspirePipeline.Tests.Publishing;

/// <summary>
/// Runs a real <c>--operation publish --step publish</c> of an app model into a temporary directory and reads back
/// what was written, the way <c>aspire publish -o DIR</c> does it.
/// </summary>
internal sealed class ComposePublish : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ComposePublish(string directory) => Directory = directory;

    public string Directory { get; }

    public string ComposePath => Path.Combine(Directory, "docker-compose.yaml");

    public string EnvPath => Path.Combine(Directory, ".env");

    public YamlMappingNode Root { get; private set; } = new();

    public string EnvText { get; private set; } = "";

    public static string[] PublishArgs(string directory) =>
        ["--operation", "publish", "--step", "publish", "--output-path", directory];

    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "aspirepipeline-publish-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Builds a model with <paramref name="configure"/>, publishes it, and parses the output.</summary>
    public static async Task<ComposePublish> RunAsync(Action<IDistributedApplicationBuilder, string> configure)
    {
        var publish = new ComposePublish(NewDirectory());
        try
        {
            var builder = CreateBuilder(publish.Directory);
            configure(builder, publish.Directory);
            await PublishAsync(builder);
            publish.Load();
            return publish;
        }
        catch
        {
            publish.Dispose();
            throw;
        }
    }

    /// <summary>Reads what a publish wrote into <paramref name="directory"/>; disposing deletes the directory.</summary>
    public static ComposePublish Open(string directory)
    {
        var publish = new ComposePublish(directory);
        try
        {
            publish.Load();
            return publish;
        }
        catch
        {
            publish.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A plain AppHost builder in publish mode. (The testing builder wants the test assembly to be an AppHost; a
    /// publish needs neither DCP nor a dashboard, so the ordinary builder does.)
    /// </summary>
    public static IDistributedApplicationBuilder CreateBuilder(string directory) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = PublishArgs(directory),
            DisableDashboard = true,
        });

    public static async Task PublishAsync(IDistributedApplicationBuilder builder)
    {
        await using var app = builder.Build();
        await app.RunAsync().WaitAsync(Timeout);
    }

    public void Load()
    {
        using (var reader = new StreamReader(ComposePath))
        {
            var stream = new YamlStream();
            stream.Load(reader);
            Root = (YamlMappingNode)stream.Documents[0].RootNode;
        }

        EnvText = File.ReadAllText(EnvPath);
    }

    public YamlMappingNode Services => (YamlMappingNode)Root["services"];

    public YamlMappingNode Service(string name) =>
        Services.Children.TryGetValue(new YamlScalarNode(name), out var node)
            ? (YamlMappingNode)node
            : throw new Xunit.Sdk.XunitException($"No service '{name}' in the compose file; services: {string.Join(", ", Services.Children.Keys)}");

    public static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return (current as YamlScalarNode)?.Value;
    }

    public static IReadOnlyList<string> List(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? ((YamlSequenceNode)value).Children.Select(c => ((YamlScalarNode)c).Value!).ToList()
            : [];

    public static IReadOnlyDictionary<string, string> Environment(YamlMappingNode service) =>
        service.Children.TryGetValue(new YamlScalarNode("environment"), out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!)
            : new Dictionary<string, string>();

    /// <summary>
    /// Runs Debian's docker-compose (the real compose implementation, offline: <c>config</c> only parses, interpolates
    /// and validates against the compose schema) and returns its exit code and output.
    /// </summary>
    public async Task<(int ExitCode, string Output)> ComposeConfigAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--project-directory", Directory, "-f", ComposePath, "config" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("docker-compose did not start");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(Timeout);
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; the test result is what matters.
        }
    }
}
