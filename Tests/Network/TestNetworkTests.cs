using AspirePipeline.Tests.Infrastructure;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.Tests.Network;

/// <summary>
/// The test hosts themselves (network namespaces on a private bridge): they reach each other and nothing else, a
/// partition cuts them apart and healing joins them again, and a failed test leaves nothing behind.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Network)]
[Collection("processes")]
public sealed class TestNetworkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Hosts_reach_each_other_over_the_bridge_and_have_no_route_beyond_it()
    {
        await using var network = await TestNetwork.CreateAsync("a", "b");
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { Host = network["a"] });

        Assert.StartsWith($"198.18.{network.Subnet}.1:", broker.BootstrapServers, StringComparison.Ordinal);
        var metadata = await Kcat(network["b"], "-L", "-b", broker.BootstrapServers, "-m", "10");
        Assert.True(metadata.ExitCode == 0, $"kcat in host b could not reach the broker in host a: {metadata.StandardError}");
        Assert.Contains($"198.18.{network.Subnet}.1", metadata.StandardOutput, StringComparison.Ordinal);
        // The test process reaches it as the observer.
        Assert.Equal(0, (await ChildProcess.RunAsync("kcat", ["-L", "-b", broker.BootstrapServers, "-m", "10"], Deadline)).ExitCode);

        var routes = await ChildProcess.RunAsync("ip", ["-n", network["b"].Namespace, "route", "show"], Deadline);
        Assert.Equal($"198.18.{network.Subnet}.0/24", routes.StandardOutput.Trim().Split(' ')[0]);
        Assert.Single(routes.StandardOutput.Trim().Split('\n'));
        var outside = await ChildProcess.RunAsync("ip", ["-n", network["b"].Namespace, "route", "get", "192.0.2.1"], Deadline);
        Assert.NotEqual(0, outside.ExitCode);
        Assert.Contains("unreachable", outside.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_partitioned_host_reaches_nobody_until_it_is_healed()
    {
        await using var network = await TestNetwork.CreateAsync("a", "b");
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { Host = network["a"] });

        await network["b"].PartitionAsync();
        var cut = await Kcat(network["b"], "-L", "-b", broker.BootstrapServers, "-m", "3");
        await network["b"].HealAsync();
        var healed = await Kcat(network["b"], "-L", "-b", broker.BootstrapServers, "-m", "10");

        Assert.NotEqual(0, cut.ExitCode);
        Assert.Equal(0, healed.ExitCode);
    }

    [Fact]
    public async Task A_test_that_fails_leaves_no_namespace_link_rule_or_process_behind()
    {
        BrokerProcess? broker = null;
        string[] namespaces = [];
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var network = await TestNetwork.CreateAsync("broker", "analysis");
            namespaces = [.. network.Hosts.Select(host => host.Namespace)];
            broker = await BrokerProcess.StartAsync(new BrokerProcessOptions { Host = network["broker"] });
            await network["analysis"].PartitionAsync();
            throw new InvalidOperationException("the test failed here");
        });

        Assert.Equal("the test failed here", failure.Message);
        Assert.True(broker!.HasExited, "the broker in the failed test's host is still running");
        Assert.Empty(await TestNetwork.LeftoversAsync());
        var listed = await ChildProcess.RunAsync("ip", ["netns", "list"], Deadline);
        Assert.All(namespaces, name => Assert.DoesNotContain(name, listed.StandardOutput, StringComparison.Ordinal));
        await broker.DisposeAsync();
    }

    private static Task<ProcessResult> Kcat(NetworkHost host, params string[] arguments)
    {
        var (program, wrapped) = host.Wrap("kcat", arguments);
        return ChildProcess.RunAsync(program, wrapped, Deadline);
    }
}
