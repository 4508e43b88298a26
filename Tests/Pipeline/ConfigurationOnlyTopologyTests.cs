using AspirePipeline.Contracts;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// The README's recipe, followed with arguments alone: a camera and a consumer group that AppHost/appsettings.json does
/// not know are added by configuration entries (and the default ones switched off), and the running pipeline carries
/// the new camera's frames into the new group's results.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class ConfigurationOnlyTopologyTests
{
    private const string Camera = "lobby";
    private const string Group = "audit";
    private const string GroupId = "audit-by-configuration";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_camera_and_a_consumer_group_added_by_configuration_alone_carry_frames_end_to_end()
    {
        await using var appHost = await RunningAppHost.StartAsync(
            [
                "--Camera:Mode=Process",
                // The defaults, switched off: what remains is only what the entries below add.
                "--Cameras:camera:Enabled=false", "--Cameras:footage:Enabled=false",
                "--Pipeline:Groups:consumer:Enabled=false", "--Pipeline:Groups:consumer2:Enabled=false", "--Pipeline:Groups:people:Enabled=false",
                $"--Cameras:{Camera}:Width=320", $"--Cameras:{Camera}:Height=240", $"--Cameras:{Camera}:Fps=10",
                $"--Pipeline:Groups:{Group}:Project=Consumer2", $"--Pipeline:Groups:{Group}:GroupId={GroupId}",
                $"--Pipeline:Groups:{Group}:Analyzer=mean-intensity",
            ],
            healthy: null, Deadline);

        var topology = appHost.Topology;
        Assert.Equal([Camera], topology.Cameras);
        Assert.Equal([Group], topology.Groups.Select(group => group.Resource));

        await using var results = new ResultsCollector(await appHost.ConnectionStringAsync(ConnectionNames.Kafka), FrameTopics.Analysis);
        var all = await results.WaitUntilAsync(
            seen => seen.Count(r => r.Group == GroupId && r.Camera == Camera) >= 20,
            Deadline,
            seen => $"{seen.Count} results ({string.Join(", ", seen.Select(r => $"{r.Group}/{r.Camera}").Distinct())})\n{appHost.RecentOutput()}");

        var ours = all.Where(r => r.Group == GroupId).ToList();
        Assert.All(ours, r => Assert.Equal((Camera, "mean-intensity", 320, 240), (r.Camera, r.Analyzer, r.Width, r.Height)));
        var sequences = ours.Select(r => r.Sequence!.Value).Distinct().Order().ToList();
        Assert.Equal(sequences[^1] - sequences[0] + 1, sequences.Count);
    }
}
