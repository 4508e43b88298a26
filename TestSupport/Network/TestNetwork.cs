using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AspirePipeline.TestSupport.Network;

/// <summary>
/// Hosts for a test, each a Linux network namespace with one address on a bridge that exists only between them (in a
/// namespace of its own, the "switch"), made with Debian's <c>iproute2</c>. Addresses are taken from 198.18.0.0/15, the
/// block reserved for network benchmarking: <c>198.18.{n}.0/24</c>, the hosts from <c>.1</c> in the order given. No
/// host has a route beyond that /24, so nothing leaves them. The test process itself joins as the observer
/// (<see cref="ObserverAddress"/>, <c>.254</c>, a link into the switch from this machine's own namespace) to create
/// topics and read results; it is the only thing of the network outside the namespaces.
/// </summary>
/// <remarks>
/// Everything is named after the creating process (<c>apnet-{pid}-...</c>, links <c>ap{pid}...</c>), so
/// <see cref="DisposeAsync"/>, the end of the test process, and the next network created after a crashed run all find
/// and remove it: the hosts' processes are killed, the namespaces (with their links and rules) deleted.
/// Needs root (namespaces, links, iptables).
/// </remarks>
public sealed partial class TestNetwork : IAsyncDisposable
{
    /// <summary>What every namespace of a test network is called by, for <see cref="LeftoversAsync"/>.</summary>
    public const string NamespacePrefix = "apnet-";

    private const string LinkPrefix = "ap";
    private const int ObserverOctet = 254;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private static readonly ConcurrentDictionary<TestNetwork, byte> Open = new();
    private static int s_created;

    private readonly List<NetworkHost> _hosts = [];
    private readonly string _id;
    private int _disposed;

    static TestNetwork()
    {
        // A test host that ends without disposing (a crash, Ctrl+C) still takes its namespaces with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var network in Open.Keys)
            {
                network.RemoveAsync().GetAwaiter().GetResult();
            }
        };
    }

    private TestNetwork(string id, int subnet)
    {
        _id = id;
        Subnet = subnet;
    }

    /// <summary>The third octet of the network's 198.18.x.0/24.</summary>
    public int Subnet { get; }

    /// <summary>The test process's own address on the network.</summary>
    public string ObserverAddress => Address(ObserverOctet);

    /// <summary>The hosts, in the order they were asked for.</summary>
    public IReadOnlyList<NetworkHost> Hosts => _hosts;

    /// <summary>The host called <paramref name="name"/>.</summary>
    public NetworkHost this[string name] => _hosts.Find(host => host.Name == name)
        ?? throw new KeyNotFoundException($"No host '{name}' in this network ({string.Join(", ", _hosts.Select(host => host.Name))}).");

    private string SwitchNamespace => $"{NamespacePrefix}{_id}-switch";

    private string ObserverLink => $"{LinkPrefix}{_id}o";

    /// <summary>Creates the switch, one namespace per host name (lowercase letters, digits, '-') and the observer's link.</summary>
    public static async Task<TestNetwork> CreateAsync(params string[] hostNames)
    {
        ArgumentOutOfRangeException.ThrowIfZero(hostNames.Length);
        if (hostNames.Length >= ObserverOctet || hostNames.Distinct().Count() != hostNames.Length
            || hostNames.Any(name => !HostName().IsMatch(name)))
        {
            throw new ArgumentException($"Host names must be distinct, lowercase letters, digits and '-': {string.Join(", ", hostNames)}.");
        }
        await RemoveStaleAsync();
        var id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}{Interlocked.Increment(ref s_created) % 10}");
        var network = new TestNetwork(id, await FreeSubnetAsync());
        Open[network] = 0;
        try
        {
            await network.BuildAsync(hostNames);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(string[] hostNames)
    {
        await Ip("netns", "add", SwitchNamespace);
        await Ip("-n", SwitchNamespace, "link", "add", "br0", "type", "bridge");
        await Ip("-n", SwitchNamespace, "link", "set", "br0", "up");
        for (var index = 0; index < hostNames.Length; index++)
        {
            var host = new NetworkHost(hostNames[index], $"{NamespacePrefix}{_id}-{hostNames[index]}", Address(index + 1));
            _hosts.Add(host);
            await Ip("netns", "add", host.Namespace);
            await Ip("-n", host.Namespace, "link", "set", "lo", "up");
            // Both ends are made here (unique names), then moved: one into the host as eth0, one onto the bridge.
            var (inHost, onSwitch) = ($"{LinkPrefix}{_id}h{index}", $"{LinkPrefix}{_id}s{index}");
            await Ip("link", "add", inHost, "type", "veth", "peer", "name", onSwitch);
            await Ip("link", "set", inHost, "netns", host.Namespace, "name", NetworkHost.Interface);
            await Ip("link", "set", onSwitch, "netns", SwitchNamespace);
            await Ip("-n", SwitchNamespace, "link", "set", onSwitch, "master", "br0", "up");
            await Ip("-n", host.Namespace, "addr", "add", $"{host.Address}/24", "dev", NetworkHost.Interface);
            await Ip("-n", host.Namespace, "link", "set", NetworkHost.Interface, "up");
        }
        var observerPeer = $"{LinkPrefix}{_id}p";
        await Ip("link", "add", ObserverLink, "type", "veth", "peer", "name", observerPeer);
        await Ip("link", "set", observerPeer, "netns", SwitchNamespace);
        await Ip("-n", SwitchNamespace, "link", "set", observerPeer, "master", "br0", "up");
        await Ip("addr", "add", $"{ObserverAddress}/24", "dev", ObserverLink);
        await Ip("link", "set", ObserverLink, "up");
    }

    /// <summary>
    /// The namespaces and links of test networks that exist now (this process's and any other's), e.g. to show that a
    /// run left none behind.
    /// </summary>
    public static async Task<IReadOnlyList<string>> LeftoversAsync() => [.. await NamespacesAsync(), .. await LinksAsync()];

    private static async Task<IEnumerable<string>> NamespacesAsync() => (await Run("ip", "netns", "list")).Split('\n')
        .Select(line => line.Split(' ')[0]).Where(name => name.StartsWith(NamespacePrefix, StringComparison.Ordinal));

    private static async Task<IEnumerable<string>> LinksAsync() => LinkName().Matches(await Run("ip", "-o", "link", "show"))
        .Select(match => match.Groups[1].Value).Where(name => OwnLink().IsMatch(name));

    /// <summary>Kills the hosts' processes and deletes the namespaces and the observer's link; checks that none is left.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await RemoveAsync();
        Open.TryRemove(this, out _);
        var left = (await LeftoversAsync()).Where(name => name.Contains(_id, StringComparison.Ordinal)).ToList();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"The test network {_id} left {string.Join(", ", left)} behind.");
        }
    }

    private async Task RemoveAsync()
    {
        foreach (var name in await NamespacesOf(_id))
        {
            await KillAndDeleteAsync(name);
        }
        // Deleting the switch would take the observer's link with it, but only later: the kernel cleans a namespace up
        // in the background. Deleted here, it is gone when this returns.
        await TryRun("ip", "link", "del", ObserverLink);
    }

    private static async Task KillAndDeleteAsync(string name)
    {
        foreach (var line in (await Run("ip", "netns", "pids", name)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(line.Trim(), CultureInfo.InvariantCulture));
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(new CancellationTokenSource(CommandTimeout).Token);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        await Run("ip", "netns", "del", name);
    }

    /// <summary>Networks whose creating process has ended (a crashed or killed run): removed before a new one is made.</summary>
    private static async Task RemoveStaleAsync()
    {
        foreach (var name in await NamespacesAsync())
        {
            if (IsStale(StaleOwner().Match(name)))
            {
                await KillAndDeleteAsync(name);
            }
        }
        foreach (var link in await LinksAsync())
        {
            if (IsStale(OwnLink().Match(link)))
            {
                await TryRun("ip", "link", "del", link);
            }
        }
    }

    /// <summary>A name whose creating process (its <c>pid</c> group) is another one, and gone.</summary>
    private static bool IsStale(Match owner) => owner.Success && int.Parse(owner.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture) is var pid
        && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");

    private static async Task<List<string>> NamespacesOf(string id) =>
        [.. (await NamespacesAsync()).Where(name => name.StartsWith($"{NamespacePrefix}{id}-", StringComparison.Ordinal))];

    private static async Task<int> FreeSubnetAsync()
    {
        var used = await Run("ip", "-o", "addr", "show");
        var free = Enumerable.Range(1, 250).Where(n => !used.Contains($"198.18.{n}.", StringComparison.Ordinal)).ToList();
        return free.Count > 0
            ? free[Random.Shared.Next(free.Count)]
            : throw new InvalidOperationException("Every 198.18.x.0/24 is in use on this machine.");
    }

    private string Address(int host) => string.Create(CultureInfo.InvariantCulture, $"198.18.{Subnet}.{host}");

    private static async Task Ip(params string[] arguments) => await Run("ip", arguments);

    /// <summary>Runs a command to the end; a failure throws with what it printed (and says that root is needed).</summary>
    internal static async Task<string> Run(string program, params string[] arguments)
    {
        var result = await ChildProcess.RunAsync(program, arguments, CommandTimeout);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException(
                $"'{program} {string.Join(' ', arguments)}' failed ({result.ExitCode}): {result.StandardError.Trim()}. " +
                "Test networks need root (network namespaces, links, iptables) and Debian's iproute2 and iptables " +
                "(scripts/prerequisites.sh --tests).");
    }

    /// <summary>Runs a command whose failure means there was nothing to do (a link already gone).</summary>
    private static async Task TryRun(string program, params string[] arguments) =>
        await ChildProcess.RunAsync(program, arguments, CommandTimeout);

    [GeneratedRegex("^[a-z0-9-]{1,20}$")]
    private static partial Regex HostName();

    // "2: ap12345o@if7: <BROADCAST,..." from `ip -o link show`.
    [GeneratedRegex(@"^\d+: ([^:@\s]+)", RegexOptions.Multiline)]
    private static partial Regex LinkName();

    // The creating process id and the network's count (one digit), then the link's role.
    [GeneratedRegex(@"^ap(?<pid>\d+)\d(?:o|p|h\d+|s\d+)$")]
    private static partial Regex OwnLink();

    [GeneratedRegex(@"^apnet-(?<pid>\d+)\d-")]
    private static partial Regex StaleOwner();
}
