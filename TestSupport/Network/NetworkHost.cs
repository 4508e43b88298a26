using System.Globalization;

namespace AspirePipeline.TestSupport.Network;

/// <summary>
/// One host of a <see cref="TestNetwork"/>: a network namespace with loopback and one interface (<see cref="Interface"/>)
/// on the network. Processes are started in it with <see cref="Wrap"/> (<c>ip netns exec</c>, which then is the
/// program itself: its pid is the program's). Faults are made on its side of the link: all its traffic dropped
/// (<see cref="PartitionAsync"/>), a share of its packets dropped (<see cref="LoseAsync"/>), loopback untouched.
/// </summary>
public sealed class NetworkHost
{
    /// <summary>The host's interface on the network.</summary>
    public const string Interface = "eth0";

    internal NetworkHost(string name, string networkNamespace, string address)
    {
        Name = name;
        Namespace = networkNamespace;
        Address = address;
    }

    /// <summary>What the test calls it (<c>broker</c>, <c>analysis-1</c>).</summary>
    public string Name { get; }

    /// <summary>Its network namespace.</summary>
    public string Namespace { get; }

    /// <summary>Its address on the network (198.18.x.y).</summary>
    public string Address { get; }

    /// <summary>The command line that runs <paramref name="program"/> inside the host.</summary>
    public (string Program, IReadOnlyList<string> Arguments) Wrap(string program, IEnumerable<string> arguments) =>
        ("ip", ["netns", "exec", Namespace, program, .. arguments]);

    /// <summary>
    /// Cuts the host off from <paramref name="peer"/> (null: from every host): every packet between them is dropped,
    /// silently (no reset, no unreachable), as a switch port or a cable that fails does. Its processes go on, and
    /// loopback works.
    /// </summary>
    public Task PartitionAsync(NetworkHost? peer = null) => ReplaceRulesAsync(peer, ["-j", "DROP"]);

    /// <summary>Drops each packet between the host and <paramref name="peer"/> with this probability (iptables' statistic match).</summary>
    public Task LoseAsync(double probability, NetworkHost? peer = null) => ReplaceRulesAsync(peer,
        ["-m", "statistic", "--mode", "random", "--probability", probability.ToString("0.####", CultureInfo.InvariantCulture), "-j", "DROP"]);

    /// <summary>
    /// Sends the host's new TCP connections to <paramref name="destination"/> through <paramref name="via"/> instead (a
    /// <see cref="DelayRelay"/>): its programs still connect to the address they were given (iptables DNAT).
    /// </summary>
    public Task RedirectAsync(System.Net.IPEndPoint destination, System.Net.IPEndPoint via) => TestNetwork.Run("ip", "netns", "exec",
        Namespace, "iptables", "-w", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", destination.Address.ToString(), "--dport",
        destination.Port.ToString(CultureInfo.InvariantCulture), "-j", "DNAT", "--to-destination", via.ToString());

    /// <summary>Takes the faults away: nothing is dropped any more.</summary>
    public Task HealAsync() => ReplaceRulesAsync(null, null);

    private async Task ReplaceRulesAsync(NetworkHost? peer, string[]? rule)
    {
        foreach (var chain in new[] { "INPUT", "OUTPUT" })
        {
            await TestNetwork.Run("ip", "netns", "exec", Namespace, "iptables", "-w", "-F", chain);
            if (rule is null)
            {
                continue;
            }
            string[] match = chain == "INPUT"
                ? ["-i", Interface, .. peer is null ? Array.Empty<string>() : ["-s", peer.Address]]
                : ["-o", Interface, .. peer is null ? Array.Empty<string>() : ["-d", peer.Address]];
            await TestNetwork.Run("ip", ["netns", "exec", Namespace, "iptables", "-w", "-A", chain, .. match, .. rule]);
        }
    }
}
