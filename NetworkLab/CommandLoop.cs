using System.Threading.Channels;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// Runs the commands typed on stdin and those of <c>--script</c> (each at its time after the lab is up) until one of:
/// <c>quit</c>, the end of stdin (unless a duration is set), the duration, or a stop signal.
/// </summary>
internal sealed class CommandLoop(Faults faults, Action printHosts, LabOutput output)
{
    public async Task RunAsync(LabOptions options, CancellationToken stop)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (options.Duration is { } duration)
        {
            done.CancelAfter(duration - output.SinceUp is { Ticks: > 0 } left ? left : TimeSpan.Zero);
        }
        var script = RunScriptAsync(options.Script, done.Token);
        string reason;
        try
        {
            reason = await RunTypedAsync(done.Token) ? "quit" : "end of stdin";
            if (options.Duration is not null && reason != "quit")
            {
                // With a duration, the end of stdin (e.g. </dev/null) leaves the script and the clock going.
                await Task.Delay(Timeout.Infinite, done.Token);
            }
        }
        catch (OperationCanceledException)
        {
            reason = stop.IsCancellationRequested ? "stop signal" : $"{options.Duration!.Value.TotalSeconds:0} s are up";
        }
        await done.CancelAsync();
        await script;
        output.Lab($"stopping ({reason}): tearing everything down");
    }

    /// <summary>Runs the typed commands; true when one was <c>quit</c>, false at the end of stdin.</summary>
    private async Task<bool> RunTypedAsync(CancellationToken cancellationToken)
    {
        await foreach (var line in ReadStdin().ReadAllAsync(cancellationToken))
        {
            var command = FaultCommand.Parse(line);
            if (command?.Verb == FaultCommand.Quit)
            {
                return true;
            }
            await RunAsync(command);
        }
        return false;
    }

    /// <summary>Lines typed, from a thread of their own (the console's ReadLine blocks); the channel completes at the end of stdin.</summary>
    private static ChannelReader<string> ReadStdin()
    {
        var lines = Channel.CreateUnbounded<string>();
        new Thread(() =>
        {
            while (Console.In.ReadLine() is { } line)
            {
                lines.Writer.TryWrite(line);
            }
            lines.Writer.TryComplete();
        }) { IsBackground = true, Name = "stdin" }.Start();
        return lines.Reader;
    }

    private async Task RunScriptAsync(IReadOnlyList<ScriptStep> steps, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var step in steps)
            {
                if (step.At - output.SinceUp is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, cancellationToken);
                }
                output.Lab($"script: {step.Command}");
                await RunAsync(FaultCommand.Parse(step.Command));
            }
        }
        catch (OperationCanceledException)
        {
            // The lab stops before the script's end.
        }
    }

    private async Task RunAsync(FaultCommand? command)
    {
        switch (command)
        {
            case null:
                return;
            case { Error: { } error }:
                output.Lab($"{error} (help lists the commands)");
                return;
            case { Verb: FaultCommand.Hosts }:
                printHosts();
                return;
            case { Verb: FaultCommand.Help }:
                output.Lab($"commands:\n{FaultCommand.Usage.TrimEnd()}");
                return;
            default:
                await faults.RunAsync(command);
                return;
        }
    }
}
