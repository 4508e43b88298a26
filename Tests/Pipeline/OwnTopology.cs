using AspirePipeline.Contracts;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Pipeline;

/// <summary>
/// The default topology switched off, so that what a test adds by configuration entries is all that runs, and the
/// check that a camera's frames came through a group end to end.
/// </summary>
internal static class OwnTopology
{
    /// <summary>AppHost arguments: simulators as processes, and every default camera and group switched off.</summary>
    public static readonly string[] DefaultsOff =
    [
        "--Camera:Mode=Process",
        "--Cameras:camera:Enabled=false", "--Cameras:footage:Enabled=false",
        "--Pipeline:Groups:consumer:Enabled=false", "--Pipeline:Groups:consumer2:Enabled=false", "--Pipeline:Groups:people:Enabled=false",
    ];

    /// <summary>AppHost arguments of a mean-intensity group <paramref name="group"/> on Consumer2.</summary>
    public static string[] MeanIntensityGroup(string group, string groupId) =>
    [
        $"--Pipeline:Groups:{group}:Project=Consumer2", $"--Pipeline:Groups:{group}:GroupId={groupId}",
        $"--Pipeline:Groups:{group}:Analyzer=mean-intensity",
    ];

    /// <summary>
    /// Waits for 20 results of <paramref name="groupId"/> from <paramref name="camera"/>: each of that camera at its size,
    /// analysed by mean-intensity, and their sequence numbers without a gap.
    /// </summary>
    public static async Task AssertFramesArriveAsync(RunningAppHost appHost, string groupId, string camera, int width, int height, TimeSpan deadline)
    {
        await using var results = new ResultsCollector(await appHost.ConnectionStringAsync(ConnectionNames.Kafka), FrameTopics.Analysis);
        var all = await results.WaitUntilAsync(
            seen => seen.Count(r => r.Group == groupId && r.Camera == camera) >= 20,
            deadline,
            seen => $"{seen.Count} results ({string.Join(", ", seen.Select(r => $"{r.Group}/{r.Camera}").Distinct())})\n{appHost.RecentOutput()}");

        var ours = all.Where(r => r.Group == groupId).ToList();
        Assert.All(ours, r => Assert.Equal((camera, "mean-intensity", width, height), (r.Camera, r.Analyzer, r.Width, r.Height)));
        var sequences = ours.Select(r => r.Sequence!.Value).Distinct().Order().ToList();
        Assert.Equal(sequences[^1] - sequences[0] + 1, sequences.Count);
    }
}
