using System.Diagnostics;

namespace AspirePipeline.Tests.Reliability;

/// <summary>Waits on conditions with deadlines; failures say what was awaited and what was seen.</summary>
internal static class Until
{
    /// <summary>Polls until <paramref name="condition"/> holds and returns how long that took.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe,
        int pollMilliseconds = 50)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"Timed out after {timeout}: {describe()}");
            await Task.Delay(pollMilliseconds);
        }
        return clock.Elapsed;
    }

    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"Timed out after {timeout}: {describe()}");
            await Task.Delay(100);
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Runs <paramref name="sample"/> every <paramref name="interval"/> for the length of an injected fault (the
    /// fault's duration is the experiment, not a synchronisation): the samples are what the test observed during it.
    /// </summary>
    public static async Task SampleForAsync(TimeSpan duration, TimeSpan interval, Func<Task> sample)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await sample();
            var left = duration - clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left < interval ? left : interval);
            }
        }
    }
}

/// <summary>Disposes a resource once, early when the test wants (e.g. to flush) or at the end of the scope otherwise.</summary>
internal sealed class DisposeOnce(IAsyncDisposable resource) : IAsyncDisposable
{
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await resource.DisposeAsync();
        }
    }
}
