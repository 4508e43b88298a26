using AspirePipeline.NetworkLab;

// The multi-host layout of Tests/Network on this machine, to watch the partitions move by hand. As root:
//   scripts/network-lab.sh                                  interactive: type cut/heal/lose/hosts/quit (LabOptions.Usage)
//   scripts/network-lab.sh --script "cut analysis-1 15 at 20" --duration 60 </dev/null      unattended
//   options: [--analysis-hosts 2] [--cameras 4] [--partitions 4] [--summary-every 5]
// Hosts broker, camera, producer, analysis-1..N (network namespaces on a private bridge, 198.18.x.0/24), each running its
// service as its own process; their logs stream here under the host's name, with a summary per analysis host every few
// seconds. quit, Ctrl+C or the end of stdin tear everything down: no namespace, link or process is left.
LabOptions options;
try
{
    options = LabOptions.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine($"{exception.Message}\n{LabOptions.Usage}");
    return 2;
}
if (Prerequisites.Missing() is { } missing)
{
    Console.Error.WriteLine(missing);
    return 2;
}

using var stop = new StopSignal();
var output = new LabOutput();
var exitCode = 0;
try
{
    var assignments = new AssignmentTracker(output);
    await using var lab = await Lab.StartAsync(options, output, assignments, stop.Token);
    using var results = new ResultsWatch(lab.Broker.BootstrapServers);
    await using var faults = new Faults(lab.Network, output);
    output.MarkUp();
    output.Lab("up: the time column counts from here, as do --script's times");
    HostMap.Print(lab, output);
    await using var summary = new LabSummary(lab.AnalysisHosts, assignments, results, faults, options.SummaryEvery, output);
    await new CommandLoop(faults, () => HostMap.Print(lab, output), output).RunAsync(options, stop.Token);
}
catch (Exception exception) when (stop.Requested && exception is OperationCanceledException or InvalidOperationException)
{
    // Stopped while starting (Ctrl+C also kills the children the start-up was waiting on).
    output.Lab("stopped while starting: tearing everything down");
}
catch (Exception exception) when (exception is InvalidOperationException or FileNotFoundException or TimeoutException
    or Confluent.Kafka.KafkaException)
{
    // A service that does not start, a build missing, a command that fails: which one and why, not a stack trace.
    output.Lab($"the lab failed: {exception.Message}");
    exitCode = 1;
}

var left = await Teardown.LeftoversAsync();
output.Lab(left.Count == 0 ? "torn down: none of the lab's namespaces, links or processes is left" : $"left behind: {string.Join(", ", left)}");
return left.Count == 0 ? exitCode : 1;
