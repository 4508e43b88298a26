using AspirePipeline.Bench;

// Usage: dotnet run --project Bench -c Release -- broker [--runs 3] [--megabytes 256] [--output docs/benchmarks.md]
//        dotnet run --project Bench -c Release -- floor [--sizes 640x480,1280x720,1920x1080] [--output docs/benchmarks.md]
return args.FirstOrDefault() switch
{
    "broker" => await BrokerBenchmark.RunAsync(BenchArguments.Parse(args.Skip(1))),
    "floor" => await AspirePipeline.Bench.Floor.FloorBenchmark.RunAsync([.. args.Skip(1)]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Bench broker [--runs N] [--megabytes MB] [--output FILE]");
    Console.Error.WriteLine("       Bench floor [--sizes WxH,...] [--output FILE]");
    return 2;
}
