using System.Diagnostics;

namespace AspirePipeline.Bench.Infrastructure;

/// <summary>
/// A process the benchmark starts (broker, camera, services): its output is kept (the last lines, for error
/// messages), readiness is a printed line, and disposal kills the whole tree so no run leaks into the next.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int OutputLinesKept = 40;

    // Whatever ends the benchmark (Ctrl+C, SIGTERM from `timeout`, a crash), it must not leave a pipeline running
    // that would load the machine under the next measurement.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ChildProcess, byte> s_running = new();

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string OutputTail
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static ChildProcess Start(string name, string program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, line) => child.OnLine(line.Data);
        process.ErrorDataReceived += (_, line) => child.OnLine(line.Data);
        process.Exited += (_, _) => child._exited.TrySetResult();
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name}: '{program}' did not start.");
        }
        s_running.TryAdd(child, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a line of output that <paramref name="match"/> accepts; fails with the output tail if the process exits or the deadline passes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var already = _output.FirstOrDefault(match);
            if (already is not null)
            {
                return already;
            }
            _waiters.Add((match, seen));
        }

        using var deadline = new CancellationTokenSource(timeout);
        var finished = await Task.WhenAny(seen.Task, _exited.Task, Task.Delay(Timeout.Infinite, deadline.Token));
        if (finished == seen.Task)
        {
            return await seen.Task;
        }
        var why = finished == _exited.Task ? $"exited with code {_process.ExitCode}" : $"did not report it within {timeout.TotalSeconds:0} s";
        throw new InvalidOperationException($"{Name} {why} while waiting for {what}. Its last output:\n{OutputTail}");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLinesKept)
            {
                _output.Dequeue();
            }
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private static void KillAll()
    {
        foreach (var child in s_running.Keys)
        {
            child.KillQuietly();
        }
    }

    private void KillQuietly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        s_running.TryRemove(this, out _);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or stuck in the kernel: nothing more a benchmark can do about it.
        }
        _process.Dispose();
    }
}
