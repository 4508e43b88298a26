using AspirePipeline.FrameProcessing.Pipeline;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Consumers;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class FrameRateSamplerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Capture times of a camera at <paramref name="fps"/>, each moved by up to ±jitter ms (deterministic).</summary>
    private static IEnumerable<DateTimeOffset> Camera(double fps, double seconds, double jitterMs = 0, int seed = 1)
    {
        var random = new Random(seed);
        for (var frame = 0; frame < fps * seconds; frame++)
        {
            yield return Start.AddMilliseconds(frame * 1000 / fps + (random.NextDouble() * 2 - 1) * jitterMs);
        }
    }

    [Theory]
    [InlineData(5, 30)]
    [InlineData(5, 25)]
    [InlineData(2, 30)]
    [InlineData(10, 15)]
    public void A_camera_faster_than_the_rate_is_analysed_at_the_rate_evenly_spaced(double fps, double cameraFps)
    {
        var sampler = new FrameRateSampler(fps);

        var taken = Camera(cameraFps, seconds: 10, jitterMs: 3).Where(at => sampler.Take("gate", at)).ToList();

        Assert.InRange(taken.Count, fps * 10 - 1, fps * 10 + 1);
        var spacing = taken.Zip(taken.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        var interval = 1000 / fps;
        var frame = 1000 / cameraFps;
        Assert.All(spacing, gap => Assert.InRange(gap, interval - frame - 10, interval + frame + 10));
    }

    [Fact]
    public void A_camera_at_the_rate_has_every_frame_analysed_despite_jitter()
    {
        var sampler = new FrameRateSampler(30);

        Assert.All(Camera(30, seconds: 5, jitterMs: 2), at => Assert.True(sampler.Take("gate", at)));
    }

    [Fact]
    public void Each_camera_has_its_own_rate()
    {
        var sampler = new FrameRateSampler(5);
        var counts = new Dictionary<string, int> { ["gate"] = 0, ["dock"] = 0 };

        foreach (var (gate, dock) in Camera(30, 4).Zip(Camera(30, 4)))
        {
            counts["gate"] += sampler.Take("gate", gate) ? 1 : 0;
            counts["dock"] += sampler.Take("dock", dock.AddMilliseconds(7)) ? 1 : 0;
        }

        Assert.Equal(20, counts["gate"]);
        Assert.Equal(20, counts["dock"]);
    }

    [Fact]
    public void After_a_pause_the_first_frame_is_analysed_and_a_clock_that_went_back_starts_afresh()
    {
        var sampler = new FrameRateSampler(5);
        Assert.True(sampler.Take("gate", Start));
        Assert.False(sampler.Take("gate", Start.AddMilliseconds(100)));

        Assert.True(sampler.Take("gate", Start.AddSeconds(30)));
        Assert.False(sampler.Take("gate", Start.AddSeconds(30).AddMilliseconds(50)));

        // A restarted producer, or a replay from an hour ago: not held back until its clock catches up.
        Assert.True(sampler.Take("gate", Start.AddHours(-1)));
    }

    [Fact]
    public void No_rate_analyses_every_frame()
    {
        var sampler = new FrameRateSampler(0);

        Assert.False(sampler.Enabled);
        Assert.All(Camera(30, 1), at => Assert.True(sampler.Take("gate", at)));
    }
}
