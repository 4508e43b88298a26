using System.Globalization;

namespace AspirePipeline.Contracts;

/// <summary>
/// What our broker says to the processes around it beyond the Kafka protocol: the stdout line launchers (the tests,
/// the benchmarks) wait for, and the read-only broker config the AppHost's health check reads.
/// </summary>
public static class BrokerContract
{
    /// <summary>The start of the broker's one stdout line, followed by <c>address:port</c>.</summary>
    public const string ListeningPrefix = "listening on ";

    /// <summary>Read-only broker config (DescribeConfigs) carrying the data directory's problem while there is one.</summary>
    public const string StorageErrorConfig = "aspirepipeline.storage.error";

    /// <summary>The line the broker prints once it accepts connections.</summary>
    public static string ListeningLine(string address, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"{ListeningPrefix}{address}:{port}");

    /// <summary>Reads <c>address:port</c> back from <see cref="ListeningLine"/>; false for any other line.</summary>
    public static bool TryParseListeningLine(string line, out string address, out int port)
    {
        address = "";
        port = 0;
        if (!line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var endpoint = line[ListeningPrefix.Length..].Trim();
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }

        address = endpoint[..colon];
        return true;
    }
}
