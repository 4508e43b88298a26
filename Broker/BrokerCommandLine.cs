namespace AspirePipeline.Broker;

/// <summary>Maps the broker's CLI switches onto the <c>Broker:*</c> configuration keys.</summary>
internal static class BrokerCommandLine
{
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--host"] = "Broker:Host",
        ["--port"] = "Broker:Port",
        ["--advertised-host"] = "Broker:AdvertisedHost",
        ["--node-id"] = "Broker:NodeId",
        ["--data-dir"] = "Broker:DataDir",
        ["--in-memory"] = "Broker:InMemory",
        ["--partitions"] = "Broker:DefaultPartitions",
        ["--auto-create-topics"] = "Broker:AutoCreateTopics",
        ["--message-max-bytes"] = "Broker:MessageMaxBytes",
        ["--max-request-bytes"] = "Broker:MaxRequestBytes",
        ["--retention-bytes"] = "Broker:RetentionBytes",
        ["--retention-ms"] = "Broker:RetentionMs",
    };

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--in-memory", "--auto-create-topics" };

    public const string Usage = """
        Usage: AspirePipeline.Broker [options]   (each option is also Broker__<Name> in the environment)
          --host <ip>                 address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)
          --port <port>               TCP port (default 9092; 0 picks a free port)
          --advertised-host <name>    host name given to clients (default: --host)
          --node-id <id>              broker node id (default 1)
          --data-dir <dir>            where logs and committed offsets are kept
          --in-memory                 keep everything in memory instead of --data-dir
          --partitions <n>            partitions of auto-created topics (default 3)
          --auto-create-topics <bool> create unknown topics on Metadata/Produce (default true)
          --message-max-bytes <n>     largest record batch accepted (default 1048588)
          --max-request-bytes <n>     largest request frame (default 2 x message-max-bytes + 64 KiB)
          --retention-bytes <n>       per-partition size limit (default unlimited)
          --retention-ms <n>          age limit (default unlimited)
        """;

    /// <summary>
    /// Turns value-less flags into <c>--flag=true</c> (the configuration parser needs a value) and rejects unknown
    /// switches with a message naming them; returns null and sets <paramref name="error"/> on bad input.
    /// </summary>
    public static string[]? Normalize(string[] args, out string? error)
    {
        error = null;
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var name = arg.Split('=', 2)[0];
            if (!SwitchMappings.ContainsKey(name))
            {
                error = $"Unknown option '{arg}'.";
                return null;
            }

            if (Flags.Contains(name) && !arg.Contains('=') &&
                (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
            {
                result.Add(name + "=true");
                continue;
            }

            if (!arg.Contains('=') && i + 1 >= args.Length)
            {
                error = $"Option '{arg}' needs a value.";
                return null;
            }

            result.Add(arg);
            if (!arg.Contains('='))
            {
                result.Add(args[++i]);
            }
        }

        return [.. result];
    }
}
