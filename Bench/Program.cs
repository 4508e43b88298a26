using AspirePipeline.Bench;

// Usage: dotnet run --project Bench -c Release -- broker [--runs 3] [--megabytes 256] [--output docs/benchmarks.md]
return args.FirstOrDefault() switch
{
    "broker" => await BrokerBenchmark.RunAsync(BenchArguments.Parse(args.Skip(1))),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Bench broker [--runs N] [--megabytes MB] [--output FILE]");
    return 2;
}
