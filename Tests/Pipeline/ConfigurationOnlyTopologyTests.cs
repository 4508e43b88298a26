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
                // The defaults, switched off: what remains is only what the entries below add.
                .. OwnTopology.DefaultsOff,
                $"--Cameras:{Camera}:Width=320", $"--Cameras:{Camera}:Height=240", $"--Cameras:{Camera}:Fps=10",
                .. OwnTopology.MeanIntensityGroup(Group, GroupId),
            ],
            healthy: null, Deadline);

        var topology = appHost.Topology;
        Assert.Equal([Camera], topology.Cameras);
        Assert.Equal([Group], topology.Groups.Select(group => group.Resource));
        await OwnTopology.AssertFramesArriveAsync(appHost, GroupId, Camera, 320, 240, Deadline);
    }
}
