using AspirePipeline.Bench;
using AspirePipeline.Bench.Pipeline;

// Usage: dotnet run --project Bench -c Release -- broker [--runs 3] [--megabytes 256] [--output docs/benchmarks.md]
//          broker options: [--sizes 10,100,1000] [--acks 1,all] [--rate-fraction 0.5] [--warmup-megabytes N]
//        dotnet run --project Bench -c Release -- floor [--sizes 640x480,1280x720,1920x1080] [--output docs/benchmarks.md]
//        dotnet run --project Bench -c Release -- pipeline [--runs 3] (see PipelineArguments.Usage)
//        dotnet run --project Bench -c Release -- cameras [--runs 3] (see CamerasArguments.Usage)
//        dotnet run --project Bench -c Release -- people [--runs 5] [--frames 40] [--output docs/benchmarks.md]
//        dotnet run --project Bench -c Release -- people-live [--runs 3] [--seconds 60] [--output docs/benchmarks.md]
try
{
    return args.FirstOrDefault() switch
    {
        "broker" => await BrokerBenchmark.RunAsync(BenchArguments.Parse(args.Skip(1))),
        "floor" => await AspirePipeline.Bench.Floor.FloorBenchmark.RunAsync([.. args.Skip(1)]),
        "pipeline" => await RunPipelineAsync(args.Skip(1).ToList()),
        "cameras" => await RunCamerasAsync(args.Skip(1).ToList()),
        "people" => AspirePipeline.Bench.Detection.PeopleBenchmark.Run([.. args.Skip(1)]),
        "people-live" => await RunPeopleLiveAsync(args.Skip(1).ToList()),
        BrokerConsumeWorker.Command => BrokerConsumeWorker.Run([.. args.Skip(1)]),
        _ => Usage(),
    };
}
catch (ArgumentException exception)
{
    // A bad option (CommandLine names it) is the user's to fix: the message, not a stack trace.
    Console.Error.WriteLine(exception.Message);
    return 2;
}

static async Task<int> RunPipelineAsync(IReadOnlyList<string> arguments)
{
    var common = BenchArguments.Parse(arguments);
    try
    {
        return await PipelineBenchmark.RunAsync(arguments, common.RepoRoot, common.Output);
    }
    catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FileNotFoundException or TimeoutException)
    {
        // A run that cannot start or stalls says which part and why, not a stack trace.
        Console.Error.WriteLine($"pipeline benchmark failed: {exception.Message}");
        return 1;
    }
}

static async Task<int> RunCamerasAsync(IReadOnlyList<string> arguments)
{
    var common = BenchArguments.Parse(arguments);
    try
    {
        return await AspirePipeline.Bench.Cameras.CamerasBenchmark.RunAsync(arguments, common.RepoRoot, common.Output);
    }
    catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FileNotFoundException)
    {
        Console.Error.WriteLine($"cameras benchmark failed: {exception.Message}");
        return 1;
    }
}

static async Task<int> RunPeopleLiveAsync(IReadOnlyList<string> arguments)
{
    try
    {
        return await AspirePipeline.Bench.Live.PeopleLiveBenchmark.RunAsync(arguments);
    }
    catch (Exception exception) when (exception is InvalidOperationException or FileNotFoundException or TimeoutException)
    {
        // The AppHost not coming up, no people process, /stats not answering: what failed and what to do, not a stack trace.
        Console.Error.WriteLine($"people-live benchmark failed: {exception.Message}");
        return 1;
    }
}

static int Usage()
{
    Console.Error.WriteLine("usage: Bench broker [--runs N] [--megabytes MB] [--output FILE]");
    Console.Error.WriteLine("       Bench floor [--sizes WxH,...] [--output FILE]");
    Console.Error.WriteLine($"       Bench {PipelineArguments.Usage}");
    Console.Error.WriteLine($"       Bench {AspirePipeline.Bench.Cameras.CamerasArguments.Usage}");
    Console.Error.WriteLine("       Bench people [--runs N] [--frames N] [--output FILE]");
    Console.Error.WriteLine($"       Bench {AspirePipeline.Bench.Live.PeopleLiveArguments.Usage}");
    return 2;
}
