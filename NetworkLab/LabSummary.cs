using System.Globalization;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// Every few seconds one line per analysis host: the partitions it holds (its log), the results it wrote since the
/// last line and of which partitions (the results topic, read from this machine), and the fault it is under. A cut-off
/// host's results stop at once; the partitions it held show up in another host's results once the group has moved them.
/// </summary>
internal sealed class LabSummary : IAsyncDisposable
{
    /// <summary>The source column of the summary lines.</summary>
    public const string Source = "summary";

    private readonly IReadOnlyList<NetworkHost> _hosts;
    private readonly AssignmentTracker _assignments;
    private readonly ResultsWatch _results;
    private readonly Faults _faults;
    private readonly TimeSpan _every;
    private readonly LabOutput _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LabSummary(IReadOnlyList<NetworkHost> hosts, AssignmentTracker assignments, ResultsWatch results, Faults faults, TimeSpan every,
        LabOutput output)
    {
        (_hosts, _assignments, _results, _faults, _every, _output) = (hosts, assignments, results, faults, every, output);
        _loop = RunAsync(_stop.Token);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var written = _results.TakeInterval();
                foreach (var host in _hosts)
                {
                    _output.Line(Source, Line(host.Name, written.GetValueOrDefault(host.Name)));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The lab stops.
        }
    }

    // "analysis-1 holds 0,2      |   48 results of partitions 0,2 in 5 s [cut]"
    private string Line(string host, HostResults? written)
    {
        var results = written is null
            ? "   0 results"
            : string.Create(CultureInfo.InvariantCulture,
                $"{written.Count,4} results of partitions {AssignmentTracker.Describe(written.Partitions)}");
        var fault = _faults.StateOf(host) is { } state ? $" [{state}]" : "";
        var held = AssignmentTracker.Describe(_assignments.Held(host));
        return string.Create(CultureInfo.InvariantCulture, $"{host,-10} holds {held,-8} | {results} in {_every.TotalSeconds:0.#} s{fault}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
