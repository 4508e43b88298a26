using System.Diagnostics;

namespace AspirePipeline.TestSupport;

/// <summary>
/// Waits on conditions with deadlines, for state that announces no change (counters, a service's HTTP answers, a
/// topic's content). A failure says what was awaited and what was seen last.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    // An asynchronous condition usually asks another process something: ask it less often.
    private static readonly TimeSpan DefaultAsyncInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Checks <paramref name="condition"/> until it holds; returns how long that took.</summary>
    /// <param name="condition">What must become true.</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="describe">Called on failure: what was awaited and what was seen instead.</param>
    /// <param name="interval">Time between checks; 50 ms when null.</param>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    public static Task<TimeSpan> UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe,
        TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, describe, interval ?? DefaultInterval);

    /// <summary>Checks the asynchronous <paramref name="condition"/> until it holds; returns how long that took.</summary>
    /// <param name="condition">What must become true (e.g. an HTTP probe).</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="describe">Called on failure: what was awaited and what was seen instead.</param>
    /// <param name="interval">Time between checks; 100 ms when null.</param>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe,
        TimeSpan? interval = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Timed out after {timeout}: {describe()}");
            }
            await Task.Delay(interval ?? DefaultAsyncInterval);
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Runs <paramref name="sample"/> every <paramref name="interval"/> for <paramref name="duration"/>: for observing
    /// a system during an injected fault whose length is the experiment itself, not a synchronisation.
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
