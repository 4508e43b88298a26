using System.Text.Json;
using AspirePipeline.Tests.Broker.Clients;

namespace AspirePipeline.Tests.Original;

/// <summary>
/// The original design's clients, rewritten as test assets (Tests/Original/assets): its Go producer, built here with
/// Debian's Go and sarama in GOPATH layout, offline, and its Python consumer on Debian's kafka-python and numpy.
/// Missing packages fail the test with the command that installs them.
/// </summary>
internal static class OriginalClients
{
    private const string Install = "install them with scripts/prerequisites.sh --tests";
    private const string DebianGoPath = "/usr/share/gocode";
    private const string SaramaSource = DebianGoPath + "/src/github.com/Shopify/sarama";
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    public static string Assets => Path.Combine(RepositoryPaths.Root, "Tests", "Original", "assets");

    /// <summary>Builds original_producer.go into <paramref name="outputDirectory"/> and returns the executable's path.</summary>
    public static async Task<string> BuildGoProducerAsync(string outputDirectory)
    {
        var go = FindOnPath("go");
        Assert.True(go is not null, $"'go' is not installed (Debian package golang-go); {Install}.");
        Assert.True(Directory.Exists(SaramaSource),
            $"sarama is not installed at {SaramaSource} (Debian package golang-github-shopify-sarama-dev); {Install}.");

        var executable = Path.Combine(outputDirectory, "original_producer");
        var gopath = Directory.CreateDirectory(Path.Combine(outputDirectory, "gopath")).FullName;
        var environment = new Dictionary<string, string>
        {
            ["GO111MODULE"] = "off",
            ["GOPATH"] = $"{gopath}:{DebianGoPath}",
            // Shared between runs: the first build compiles sarama and its cgo zstd dependency, later ones reuse them.
            ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "aspirepipeline-go-build-cache"),
            ["GOFLAGS"] = "",
            ["GOPROXY"] = "off",
        };
        var build = await ClientProcess.RunAsync(go!, ["build", "-o", executable, Path.Combine(Assets, "original_producer.go")],
            BuildTimeout, environment: environment);
        Assert.True(build.ExitCode == 0,
            $"Building original_producer.go with Debian's Go and sarama failed (exit {build.ExitCode}; it needs gcc and "
            + $"libzstd-dev for sarama's zstd, {Install}):\n{build.StandardError}");
        return executable;
    }

    /// <summary>Runs the built Go producer; returns one delivery per acknowledged frame.</summary>
    public static async Task<IReadOnlyList<GoDelivery>> ProduceAsync(string executable, string bootstrapServers, string topic,
        int frames, int cols, int rows, TimeSpan timeout)
    {
        var run = await ClientProcess.RunAsync(executable,
        [
            "-brokers", bootstrapServers, "-topic", topic, "-frames", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-cols", cols.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-timeout", $"{(int)timeout.TotalSeconds}s",
        ], timeout + TimeSpan.FromSeconds(30));
        run.EnsureSuccess("original_producer");
        return run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonSerializer.Deserialize<GoDelivery>(line, JsonSerializerOptions.Web)
                ?? throw new FormatException($"original_producer printed '{line}'"))
            .ToList();
    }

    /// <summary>Runs the Python consumer in its own group until it has read <paramref name="count"/> frames.</summary>
    public static async Task<IReadOnlyList<PythonFrame>> ConsumeAsync(string bootstrapServers, string topic, string group,
        int count, TimeSpan timeout)
    {
        Assert.True(File.Exists(Python), $"{Python} is not installed (Debian package python3); {Install}.");
        var run = await ClientProcess.RunAsync(Python,
        [
            Path.Combine(Assets, "original_consumer.py"), "--bootstrap", bootstrapServers, "--topic", topic, "--group", group,
            "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--timeout", ((int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ], timeout + TimeSpan.FromSeconds(30));
        Assert.False(run.StandardError.Contains("ModuleNotFoundError", StringComparison.Ordinal),
            $"The original consumer needs Debian's python3-kafka and python3-numpy; {Install}.\n{run.StandardError}");
        run.EnsureSuccess("original_consumer.py");
        using var document = JsonDocument.Parse(run.StandardOutput);
        return document.RootElement.GetProperty("frames").Deserialize<List<PythonFrame>>(JsonSerializerOptions.Web)
            ?? throw new FormatException($"original_consumer.py printed {run.StandardOutput}");
    }

    private static string? FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
}

/// <summary>A frame the Go producer sent and Kafka acknowledged, with the mean the original consumer prints for it.</summary>
internal sealed record GoDelivery(int Frame, int Partition, long Offset, double Mean);

/// <summary>A frame as the original Python consumer decoded it, or the error it met.</summary>
internal sealed record PythonFrame(int Partition, long Offset, int? Rows, int? Cols, double? Mean, string? Error);
