using System.Globalization;
using AspirePipeline.Contracts;

namespace AspirePipeline.Bench.Infrastructure;

/// <summary>How every benchmark starts our broker: durable, on a data directory of its own, logging warnings only.</summary>
internal static class BenchBroker
{
    /// <summary>The broker on <paramref name="dataDir"/>, with <paramref name="extraArgs"/> after the defaults.</summary>
    public static Task<BrokerProcess> StartAsync(string dataDir, int maxMessageBytes = FrameLimits.MaxMessageBytes, params string[] extraArgs) =>
        BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            InMemory = false,
            DataDir = dataDir,
            ExtraArgs = ["--message-max-bytes", maxMessageBytes.ToString(CultureInfo.InvariantCulture), .. extraArgs],
            Environment = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" },
            // Its own folder as content root, as the AppHost starts it (no configuration watcher on .data writes).
            WorkingDirectory = Path.GetDirectoryName(BrokerProcess.BrokerDllPath),
        });
}
