using System.Diagnostics;
using System.Security.Cryptography;
using AspirePipeline.Frames.Diagnostics;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Frames;

/// <summary>The per-stage CPU accounting counts the calling thread's CPU time, not the wall time a section lasts.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class StageCpuAccountingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void On_linux_the_clock_is_the_threads_cpu_time()
    {
        Assert.True(OperatingSystem.IsLinux(), "the pipeline's services and this suite run on Linux");
        Assert.True(ThreadCpuClock.MeasuresThreadCpuTime, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) from libc is not usable");
        Assert.Equal("thread-cpu", ThreadCpuClock.ClockName);
    }

    [Fact]
    public void Cpu_bound_work_is_counted_and_never_more_than_the_process_spent_meanwhile()
    {
        var accounting = new StageCpuAccounting("hash");
        var buffer = new byte[1 << 20];
        Random.Shared.NextBytes(buffer);
        using var process = Process.GetCurrentProcess();
        var processCpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();

        var section = accounting["hash"].Begin();
        var digest = Array.Empty<byte>();
        for (var round = 0; round < 40; round++)
        {
            // Each round hashes a buffer changed by the previous one, so no round can be skipped.
            digest = SHA256.HashData(buffer);
            buffer[round] ^= digest[0];
        }
        section.End();

        wall.Stop();
        process.Refresh();
        var processCpu = process.TotalProcessorTime - processCpuBefore;
        var stage = Assert.Single(accounting.Stages);
        Assert.Equal(1, stage.Frames);
        Assert.True(stage.CpuNanoseconds > 0, "hashing 40 MB counted no CPU time");
        // Thread CPU time cannot exceed the wall time the section lasted, nor the whole process's CPU time (which
        // /proc reports in 10 ms ticks, hence the allowance).
        var counted = TimeSpan.FromTicks(stage.CpuNanoseconds / 100);
        Assert.True(counted <= wall.Elapsed, $"counted {counted} of CPU in {wall.Elapsed} of wall time");
        Assert.True(counted <= processCpu + TimeSpan.FromMilliseconds(20), $"counted {counted}, the process used {processCpu}");
        Assert.Equal(32, digest.Length);
    }

    [Fact]
    public void A_section_that_only_blocks_adds_almost_no_cpu_time()
    {
        var stage = new StageCpuAccounting("wait")["wait"];
        using var released = new ManualResetEventSlim();
        var wall = Stopwatch.StartNew();
        using var timer = new Timer(_ => released.Set(), null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);

        var section = stage.Begin();
        var set = released.Wait(Deadline);
        section.End();

        wall.Stop();
        Assert.True(set, "the timer did not release the wait");
        Assert.True(wall.Elapsed >= TimeSpan.FromMilliseconds(250), $"blocked only {wall.Elapsed}");
        Assert.Equal(1, stage.Frames);
        // Wall time would count the whole ~300 ms; the thread only ran for the spin before blocking.
        var counted = TimeSpan.FromTicks(stage.CpuNanoseconds / 100);
        Assert.True(counted < wall.Elapsed / 20, $"blocking {wall.Elapsed} counted {counted} of CPU time");
    }

    [Fact]
    public void Consecutive_stages_share_their_boundaries_and_are_reported_in_the_order_named()
    {
        var accounting = new StageCpuAccounting("decode", "analysis", "report");
        var before = ThreadCpuClock.GetNanoseconds();

        var section = accounting["decode"].Begin();
        Spin(TimeSpan.FromMilliseconds(5));
        section = section.Then(accounting["analysis"]);
        Spin(TimeSpan.FromMilliseconds(5));
        section = section.Then(accounting["report"]);
        Spin(TimeSpan.FromMilliseconds(5));
        section.End();
        var total = ThreadCpuClock.GetNanoseconds() - before;

        Assert.All(accounting.Stages, stage => Assert.Equal(1, stage.Frames));
        Assert.All(accounting.Stages, stage => Assert.True(stage.CpuNanoseconds > 0, $"{stage.Name} counted nothing"));
        // The three sections partition the measured span: their sum is what one section around all would count.
        var sum = accounting.Stages.Sum(stage => stage.CpuNanoseconds);
        Assert.InRange(sum, 1, total);
        Assert.Equal(["decode", "analysis", "report"], accounting.Snapshot().Select(stage => stage.Name));
        Assert.All(accounting.Snapshot(), stage => Assert.Equal(1, stage.Frames));
    }

    [Fact]
    public void Sections_of_many_threads_are_all_counted()
    {
        var stage = new StageCpuAccounting("encode")["encode"];

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (var frame = 0; frame < 2_000; frame++)
            {
                stage.Begin().End();
            }
        });

        Assert.Equal(8_000, stage.Frames);
    }

    [Fact]
    public void An_unknown_or_repeated_stage_name_is_refused_with_the_names_that_exist()
    {
        var accounting = new StageCpuAccounting("encode", "publish");

        var unknown = Assert.Throws<KeyNotFoundException>(() => accounting["decode"]);
        Assert.Equal("No stage 'decode'; the stages are encode, publish.", unknown.Message);
        var repeated = Assert.Throws<ArgumentException>(() => new StageCpuAccounting("encode", "encode"));
        Assert.StartsWith("Stage 'encode' is named twice", repeated.Message, StringComparison.Ordinal);
    }

    /// <summary>Burns CPU on this thread until the thread's own clock has advanced by <paramref name="cpu"/>.</summary>
    private static void Spin(TimeSpan cpu)
    {
        var until = ThreadCpuClock.GetNanoseconds() + (long)cpu.TotalNanoseconds;
        var value = 1.0;
        while (ThreadCpuClock.GetNanoseconds() < until)
        {
            for (var i = 0; i < 1_000; i++)
            {
                value = Math.Sqrt(value + i);
            }
        }
        GC.KeepAlive(value);
    }
}
