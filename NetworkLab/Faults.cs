using System.Globalization;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// Runs the fault commands on the network's hosts (<see cref="NetworkHost.PartitionAsync"/>,
/// <see cref="NetworkHost.LoseAsync"/>, <see cref="NetworkHost.HealAsync"/>, all on the host's own side of its link)
/// and remembers each host's fault for the summary. A timed cut heals by itself; any later command on the host
/// replaces it. One command at a time, typed or scripted.
/// </summary>
internal sealed class Faults(TestNetwork network, LabOutput output) : IAsyncDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly Dictionary<string, string> _states = [];
    private readonly Dictionary<string, CancellationTokenSource> _pendingHeals = [];
    private readonly List<Task> _timers = [];

    /// <summary>What is done to <paramref name="host"/> now (<c>cut</c>, <c>losing 10 %</c>), null when nothing.</summary>
    public string? StateOf(string host)
    {
        lock (_states)
        {
            return _states.GetValueOrDefault(host);
        }
    }

    /// <summary>Runs a cut, heal or lose; a command that cannot run says why and changes nothing.</summary>
    public async Task RunAsync(FaultCommand command)
    {
        var host = network.Hosts.FirstOrDefault(candidate => candidate.Name == command.Host);
        if (host is null)
        {
            output.Lab($"no host '{command.Host}' (hosts: {string.Join(", ", network.Hosts.Select(candidate => candidate.Name))})");
            return;
        }
        await _oneAtATime.WaitAsync();
        try
        {
            CancelPendingHeal(host.Name);
            switch (command.Verb)
            {
                case FaultCommand.Cut:
                    await host.PartitionAsync();
                    var heals = command.Seconds is { } seconds ? $", healing after {Format(seconds)} s" : "";
                    Set(host.Name, "cut", $"{host.Name} cut off: every packet to and from {host.Address} dropped{heals}");
                    if (command.Seconds is { } after)
                    {
                        ScheduleHeal(host, TimeSpan.FromSeconds(after));
                    }
                    break;
                case FaultCommand.Lose:
                    await host.LoseAsync(command.Percent!.Value / 100);
                    Set(host.Name, $"losing {Format(command.Percent.Value)} %",
                        $"{host.Name} drops {Format(command.Percent.Value)} % of its packets, at random");
                    break;
                default:
                    await host.HealAsync();
                    Set(host.Name, null, $"{host.Name} healed: nothing dropped any more");
                    break;
            }
        }
        catch (InvalidOperationException exception)
        {
            output.Lab($"{command.Verb} {host.Name} failed: {exception.Message}");
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private void Set(string host, string? state, string told)
    {
        lock (_states)
        {
            if (state is null)
            {
                _states.Remove(host);
            }
            else
            {
                _states[host] = state;
            }
        }
        output.Lab(told);
    }

    private void ScheduleHeal(NetworkHost host, TimeSpan after)
    {
        var cancel = new CancellationTokenSource();
        lock (_pendingHeals)
        {
            _pendingHeals[host.Name] = cancel;
            _timers.Add(HealLaterAsync(host.Name, after, cancel.Token));
        }
    }

    private async Task HealLaterAsync(string host, TimeSpan after, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(after, cancellationToken);
            await RunAsync(new FaultCommand(FaultCommand.Heal, host));
        }
        catch (OperationCanceledException)
        {
            // Replaced by a later command on the host, or the lab stops.
        }
    }

    private void CancelPendingHeal(string host)
    {
        lock (_pendingHeals)
        {
            if (_pendingHeals.Remove(host, out var pending))
            {
                pending.Cancel();
                pending.Dispose();
            }
        }
    }

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Cancels the timed heals (the hosts go with the network).</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] timers;
        lock (_pendingHeals)
        {
            foreach (var pending in _pendingHeals.Values)
            {
                pending.Cancel();
            }
            timers = [.. _timers];
        }
        await Task.WhenAll(timers);
        lock (_pendingHeals)
        {
            foreach (var pending in _pendingHeals.Values)
            {
                pending.Dispose();
            }
            _pendingHeals.Clear();
        }
        _oneAtATime.Dispose();
    }
}
