using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AspirePipeline.Hosting.Publishing;

/// <summary>Writes a <see cref="ComposeDocument"/> as <c>docker-compose.yaml</c> and <c>.env</c>.</summary>
internal static class DockerComposeWriter
{
    public const string ComposeFileName = "docker-compose.yaml";
    public const string EnvFileName = ".env";

    public static async Task<(string ComposeFile, string EnvFile)> WriteAsync(
        ComposeDocument document, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var composeFile = Path.Combine(outputDirectory, ComposeFileName);
        var envFile = Path.Combine(outputDirectory, EnvFileName);
        await File.WriteAllTextAsync(composeFile, ToYaml(document), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(envFile, ToEnvFile(document), cancellationToken).ConfigureAwait(false);
        foreach (var (relativePath, source) in document.BundledFiles)
        {
            var target = Path.Combine(outputDirectory, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true);
        }
        return (composeFile, envFile);
    }

    public static string ToYaml(ComposeDocument document)
    {
        var services = new YamlMappingNode();
        foreach (var service in document.Services)
        {
            services.Add(service.Name, ToYaml(service, document.NetworkName));
        }

        var root = new YamlMappingNode { { "services", services } };
        if (document.NamedVolumes.Count > 0)
        {
            var volumes = new YamlMappingNode();
            foreach (var volume in document.NamedVolumes)
            {
                volumes.Add(volume, new YamlMappingNode { { "driver", "local" } });
            }

            root.Add("volumes", volumes);
        }

        root.Add("networks", new YamlMappingNode { { document.NetworkName, new YamlMappingNode { { "driver", "bridge" } } } });

        var writer = new StringWriter(CultureInfo.InvariantCulture);
        writer.WriteLine("# Written by `aspire publish` (AspirePipeline.Hosting.Publishing) from the AppHost's app model.");
        writer.WriteLine("# Values in ${...} come from the .env file next to this one. Regenerate rather than edit.");
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var yaml = writer.ToString();

        // YamlStream ends a document with "...", which compose accepts but nobody writes by hand.
        return yaml.EndsWith("...\n", StringComparison.Ordinal) || yaml.EndsWith("..." + Environment.NewLine, StringComparison.Ordinal)
            ? yaml[..yaml.LastIndexOf("...", StringComparison.Ordinal)]
            : yaml;
    }

    private static YamlMappingNode ToYaml(ComposeService service, string networkName)
    {
        var node = new YamlMappingNode { { "image", Quoted(service.Image!) } };
        if (service.Build is { } build)
        {
            var buildNode = new YamlMappingNode { { "context", Quoted(build.Context) }, { "dockerfile", Quoted(build.Dockerfile) } };
            if (build.Target is not null)
            {
                buildNode.Add("target", Quoted(build.Target));
            }

            if (build.Args.Count > 0)
            {
                var args = new YamlMappingNode();
                foreach (var (name, value) in build.Args)
                {
                    args.Add(name, Quoted(value));
                }

                buildNode.Add("args", args);
            }

            node.Add("build", buildNode);
        }

        if (service.Entrypoint is { Count: > 0 } entrypoint)
        {
            node.Add("entrypoint", Sequence(entrypoint));
        }

        if (service.Command.Count > 0)
        {
            node.Add("command", Sequence(service.Command));
        }

        if (service.Environment.Count > 0)
        {
            var environment = new YamlMappingNode();
            foreach (var (name, value) in service.Environment)
            {
                environment.Add(name, Quoted(value));
            }

            node.Add("environment", environment);
        }

        if (service.Ports.Count > 0)
        {
            node.Add("ports", Sequence(service.Ports));
        }

        if (service.Expose.Count > 0)
        {
            node.Add("expose", Sequence(service.Expose));
        }

        if (service.Volumes.Count > 0)
        {
            node.Add("volumes", Sequence(service.Volumes));
        }

        if (service.DependsOn.Count > 0)
        {
            var dependsOn = new YamlMappingNode();
            foreach (var (target, condition) in service.DependsOn)
            {
                dependsOn.Add(target, new YamlMappingNode { { "condition", condition } });
            }

            node.Add("depends_on", dependsOn);
        }

        if (service.HealthCheck is { } check)
        {
            node.Add("healthcheck", new YamlMappingNode
            {
                { "test", Sequence(check.Test.Select(t => t.Replace("$", "$$", StringComparison.Ordinal))) },
                { "interval", Duration(check.Interval) },
                { "timeout", Duration(check.Timeout) },
                { "retries", check.Retries.ToString(CultureInfo.InvariantCulture) },
                { "start_period", Duration(check.StartPeriod) },
            });
        }

        if (service.Replicas != 1)
        {
            node.Add("deploy", new YamlMappingNode { { "replicas", service.Replicas.ToString(CultureInfo.InvariantCulture) } });
        }

        if (service.RestartUnlessStopped)
        {
            node.Add("restart", "unless-stopped");
        }

        node.Add("networks", new YamlSequenceNode(new YamlScalarNode(networkName)));
        return node;
    }

    /// <summary>
    /// The <c>.env</c> compose reads for <c>${VAR}</c>: a comment line per parameter, then <c>NAME=value</c>.
    /// Values are single-quoted when needed so compose takes them literally.
    /// </summary>
    public static string ToEnvFile(ComposeDocument document)
    {
        var builder = new StringBuilder();
        builder.Append("# Parameters of the app model, read by docker compose for ${...} in ").Append(ComposeFileName).Append('\n');
        builder.Append("# Secrets are never written here by publish: fill them in (or export them) before `docker compose up`.\n");
        foreach (var entry in document.EnvEntries)
        {
            builder.Append('\n').Append("# ").Append(entry.Comment).Append('\n');
            builder.Append(entry.Name).Append('=').Append(EnvValue(entry)).Append('\n');
        }

        return builder.ToString();
    }

    private static string EnvValue(ComposeEnvEntry entry)
    {
        var value = entry.Value;
        if (value.Length == 0 || value.All(c => char.IsAsciiLetterOrDigit(c) || "-_.:/@,+=".Contains(c, StringComparison.Ordinal)))
        {
            return value;
        }

        if (value.Contains('\'', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
        {
            throw new DockerComposePublishException(
                [$"Parameter value for {entry.Name} contains a single quote or a line break, which a .env file cannot hold literally; " +
                    "set it in the environment instead."]);
        }

        return $"'{value}'";
    }

    private static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };

    private static YamlSequenceNode Sequence(IEnumerable<string> items) => new(items.Select(Quoted));

    private static string Duration(TimeSpan value) => $"{(long)value.TotalMilliseconds}ms";
}
