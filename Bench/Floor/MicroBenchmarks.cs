using System.Diagnostics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using AspirePipeline.Frames;
using OpenCvSharp;
using Perfolizer.Horology;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// One micro benchmark's result at one size: BenchmarkDotNet's statistics (nanoseconds of the benchmark thread's CPU)
/// and two plain-loop checks of the same call, with OpenCV held to one thread as in the benchmark run and with its
/// default thread count (the services' <c>OpenCvThreads=0</c>).
/// </summary>
internal sealed record MicroResult(string Name, string Size, double MeanNs, double MedianNs, long AllocatedBytes,
    CpuCheck OneThread, CpuCheck DefaultThreads);

/// <summary>
/// A call in a plain loop: the process's CPU over the calling thread's CPU (1 when nothing else works for it; above
/// 1 when OpenCV's pool or the runtime's threads, e.g. background GC of large payloads, do) and the process's CPU per
/// call, which is what the call costs a service.
/// </summary>
internal sealed record CpuCheck(double ProcessPerThread, double ProcessCpuNsPerCall);

/// <summary>
/// Runs <see cref="FrameBenchmarks"/> in this process with a short job timed by the benchmark thread's CPU clock,
/// OpenCV held to one thread so that the thread's CPU is the call's, and reads the results back from the summary.
/// </summary>
internal static class MicroBenchmarks
{
    public const int WarmupCount = 3;
    public const int IterationCount = 10;
    public static readonly TimeSpan IterationTime = TimeSpan.FromMilliseconds(150);

    public static readonly TimeSpan CpuCheckTime = TimeSpan.FromMilliseconds(250);
    private const int CpuCheckWarmupCalls = 50;

    public static IReadOnlyList<MicroResult> Run(IReadOnlyDictionary<string, IReadOnlyList<Mat>> frames, string artifactsPath,
        Action<string> progress)
    {
        ThreadCpuBenchmarkClock.EnsureAvailable();
        var threads = Cv2.GetNumThreads();
        var defaultThreads = CheckCpu(frames);
        OpenCvThreading.Apply(1);
        Dictionary<(string, string), CpuCheck> oneThread;
        try
        {
            oneThread = CheckCpu(frames);
        }
        finally
        {
            Cv2.SetNumThreads(threads);
        }

        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.DontLogOutput)
            .WithLaunchCount(1)
            .WithWarmupCount(WarmupCount)
            .WithIterationCount(IterationCount)
            .WithIterationTime(TimeInterval.FromMilliseconds(IterationTime.TotalMilliseconds))
            // A 1080p call takes milliseconds: BenchmarkDotNet's default unroll of 16 would stretch iterations.
            .WithUnrollFactor(1)
            // CPU time of the benchmark thread rather than the wall clock: other processes' load on this 2-core
            // machine would otherwise count as the call's time.
            .WithClock(ThreadCpuBenchmarkClock.Instance)
            .WithId("Floor");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(new ProgressLogger(progress))
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.DisableLogFile);

        FrameBenchmarks.Frames = frames;
        OpenCvThreading.Apply(1);
        BenchmarkDotNet.Reports.Summary summary;
        try
        {
            summary = BenchmarkRunner.Run<FrameBenchmarks>(config);
        }
        finally
        {
            Cv2.SetNumThreads(threads);
            FrameBenchmarks.Frames = new Dictionary<string, IReadOnlyList<Mat>>();
        }

        if (summary.HasCriticalValidationErrors)
        {
            throw new InvalidOperationException("BenchmarkDotNet refused the micro benchmarks (run the benchmark with -c Release): "
                + string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
        }

        var results = new List<MicroResult>();
        foreach (var report in summary.Reports)
        {
            var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var size = (string)report.BenchmarkCase.Parameters["Size"];
            if (!report.Success || report.ResultStatistics is null)
            {
                throw new InvalidOperationException($"Micro benchmark {name} at {size} failed; BenchmarkDotNet's errors are above.");
            }
            results.Add(new MicroResult(name, size, report.ResultStatistics.Mean, report.ResultStatistics.Median,
                report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0,
                oneThread[(name, size)], defaultThreads[(name, size)]));
        }
        return results;
    }

    /// <summary>
    /// Checks the premise that the calling thread's CPU is the call's whole CPU: each benchmark method in a loop with
    /// OpenCV's current thread setting, process CPU (getrusage, all threads) against the calling thread's CPU.
    /// </summary>
    private static Dictionary<(string Name, string Size), CpuCheck> CheckCpu(IReadOnlyDictionary<string, IReadOnlyList<Mat>> frames)
    {
        FrameBenchmarks.Frames = frames;
        var checks = new Dictionary<(string, string), CpuCheck>();
        try
        {
            var methods = typeof(FrameBenchmarks).GetMethods()
                .Where(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), inherit: false))
                .ToList();
            foreach (var size in frames.Keys)
            {
                var benchmarks = new FrameBenchmarks { Size = size };
                benchmarks.Setup();
                try
                {
                    foreach (var method in methods)
                    {
                        // Reflection adds well under a microsecond, single-threaded: it cannot raise the ratio.
                        object? Call() => method.Invoke(benchmarks, null);
                        // Warm-up: the runtime re-JITs hot methods (tier 1) on its own thread after 30 calls and
                        // a 100 ms delay; that must be over before the loop, or it counts as the call's CPU.
                        var warmup = Stopwatch.StartNew();
                        for (var i = 0; i < CpuCheckWarmupCalls || warmup.Elapsed < CpuCheckTime; i++)
                        {
                            Call();
                        }
                        // Garbage of earlier calls (large seed-JSON payloads) is collected now, not on a GC thread
                        // during the loop.
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        var processBefore = Environment.CpuUsage.TotalTime;
                        var threadBefore = ThreadCpuBenchmarkClock.Now();
                        var wall = Stopwatch.StartNew();
                        var calls = 0;
                        do
                        {
                            Call();
                            calls++;
                        }
                        while (wall.Elapsed < CpuCheckTime);
                        var process = Environment.CpuUsage.TotalTime - processBefore;
                        checks[(method.Name, size)] = new CpuCheck(
                            process / (ThreadCpuBenchmarkClock.Now() - threadBefore), process.TotalNanoseconds / calls);
                    }
                }
                finally
                {
                    benchmarks.Cleanup();
                }
            }
        }
        finally
        {
            FrameBenchmarks.Frames = new Dictionary<string, IReadOnlyList<Mat>>();
        }
        return checks;
    }

    /// <summary>Passes on BenchmarkDotNet's headline lines (which benchmark runs, its result, errors), not its iteration log.</summary>
    private sealed class ProgressLogger(Action<string> progress) : ILogger
    {
        private string _line = "";

        public string Id => nameof(ProgressLogger);

        public int Priority => 0;

        public void Write(LogKind logKind, string text) => _line += text;

        public void WriteLine() => WriteLine(LogKind.Default, "");

        public void WriteLine(LogKind logKind, string text)
        {
            var line = _line + text;
            _line = "";
            if (line.Contains("No exporters defined", StringComparison.Ordinal))
            {
                return; // by design: the results are read from the summary, not from files
            }
            if (logKind == LogKind.Error || line.StartsWith("// Benchmark: ", StringComparison.Ordinal)
                || line.StartsWith("// ***** BenchmarkRunner: Finish", StringComparison.Ordinal))
            {
                progress("  " + line);
            }
        }

        public void Flush()
        {
        }
    }
}
