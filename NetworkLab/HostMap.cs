using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.NetworkLab;

/// <summary>Where each host of the lab is, what runs there, and how to look at it from this machine.</summary>
internal static class HostMap
{
    public static void Print(Lab lab, LabOutput output)
    {
        var network = lab.Network;
        output.Lab($"hosts on 198.18.{network.Subnet}.0/24 (this machine is {network.ObserverAddress} on it):");
        var width = network.Hosts.Max(host => host.Namespace.Length);
        foreach (var host in network.Hosts)
        {
            output.Lab($"  {host.Name,-10} {host.Address,-14} {host.Namespace.PadRight(width)} {WhatRuns(lab, host)}");
        }
        var example = lab.AnalysisHosts[0];
        output.Lab($"look inside a host: ip netns exec <namespace> <command>, e.g. ip netns exec {example.Namespace} ss -tn");
        output.Lab($"Kafka from this machine: kcat -b {lab.Broker.BootstrapServers} -L (topics, partitions)");
        output.Lab($"cameras -> frames partition: {string.Join(", ", lab.Cameras.Select(camera => $"{camera.Id} -> {camera.Partition}"))}");
        output.Lab("the consumers log 'Group analysis assigned|revoked|lost frames[n]' on each rebalance; summaries every few seconds");
        output.Lab($"commands:\n{FaultCommand.Usage.TrimEnd()}");
    }

    private static string WhatRuns(Lab lab, NetworkHost host) => host.Name switch
    {
        "broker" => $"Broker, Kafka at {lab.Broker.BootstrapServers}",
        "camera" => $"camera simulator, {lab.Camera.Url} ({CameraSimulator.Width}x{CameraSimulator.Height} at {CameraSimulator.Fps} fps)",
        "producer" => $"Producer, {lab.Cameras.Count} cameras: curl {Lab.HttpUrl(host)}/stats",
        _ => $"Consumer, group {Lab.Group}: curl {Lab.HttpUrl(host)}/stats, live view {Lab.HttpUrl(host)}/",
    };
}
