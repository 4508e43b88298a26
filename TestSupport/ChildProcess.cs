using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspirePipeline.TestSupport;

/// <summary>
/// A process a test or benchmark starts (broker, camera simulator, a service, a client program). Its output lines
/// (stdout and stderr) are kept, the last <c>outputLinesKept</c> of them, for waiting on a line and for failure
/// messages; disposal kills the whole process tree, and so does the end of the host process, whatever ends it, so no
/// run leaks a pipeline into the next.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>How many output lines are kept unless the caller says otherwise: enough for a failure message.</summary>
    public const int DefaultOutputLinesKept = 40;

    private const int Sigterm = 15;
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    // Ctrl+C, SIGTERM from `timeout`, a crash or a test host ending must not leave processes loading the machine.
    private static readonly ConcurrentDictionary<ChildProcess, byte> Running = new();

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private readonly Process _process;
    private readonly int _outputLinesKept;
    private readonly Queue<(bool IsError, string Text)> _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly List<Action<string>> _followers = [];
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private ChildProcess(string name, Process process, int outputLinesKept)
    {
        Name = name;
        _process = process;
        _outputLinesKept = outputLinesKept;
    }

    /// <summary>What the process is called in messages (e.g. <c>broker</c>).</summary>
    public string Name { get; }

    /// <summary>The operating system's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The kept output lines, stdout and stderr interleaved as they came, for failure messages.</summary>
    public string OutputTail => KeptLines(error: null);

    /// <summary>The kept stdout lines, each ended by a newline.</summary>
    public string StandardOutput => KeptLines(error: false, terminate: true);

    /// <summary>The kept stderr lines, each ended by a newline.</summary>
    public string StandardError => KeptLines(error: true, terminate: true);

    /// <summary>Starts <paramref name="program"/>; its output is read from now on.</summary>
    /// <param name="name">What the process is called in messages.</param>
    /// <param name="program">The executable (<c>dotnet</c>, <c>/usr/bin/python3</c>, ...).</param>
    /// <param name="arguments">Its arguments, passed as they are (no shell quoting).</param>
    /// <param name="environment">Variables set on top of this process's environment.</param>
    /// <param name="workingDirectory">Its working directory; this process's when null.</param>
    /// <param name="unsetEnvironment">Inherited variables to remove (e.g. a telemetry endpoint the child must not export to).</param>
    /// <param name="standardInput">Written to its stdin, which is then closed; stdin is not redirected when null.</param>
    /// <param name="outputLinesKept">How many output lines to keep (<see cref="int.MaxValue"/> for all of a short-lived program's).</param>
    public static ChildProcess Start(string name, string program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null,
        IEnumerable<string>? unsetEnvironment = null, string? standardInput = null, int outputLinesKept = DefaultOutputLinesKept)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var variable in unsetEnvironment ?? [])
        {
            start.Environment.Remove(variable);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(name, process, outputLinesKept);
        process.OutputDataReceived += (_, line) => child.OnLine(line.Data, isError: false);
        process.ErrorDataReceived += (_, line) => child.OnLine(line.Data, isError: true);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name}: '{program}' did not start.");
        }
        Running.TryAdd(child, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        return child;
    }

    /// <summary>
    /// Runs <paramref name="program"/> to completion (a client, a command-line tool, a process expected to fail),
    /// keeping all of its output. Its stdin is closed after <paramref name="standardInput"/>, so a program reading it
    /// sees the end instead of waiting.
    /// </summary>
    /// <param name="program">The executable.</param>
    /// <param name="arguments">Its arguments, passed as they are (no shell quoting).</param>
    /// <param name="timeout">How long it may run; then its tree is killed.</param>
    /// <param name="standardInput">Written to its stdin before it is closed.</param>
    /// <param name="environment">Variables set on top of this process's environment.</param>
    /// <param name="workingDirectory">Its working directory; this process's when null.</param>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/> (the message has its output).</exception>
    public static async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout,
        string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var argumentList = arguments.ToList();
        await using var process = Start(program, program, argumentList, environment, workingDirectory,
            standardInput: standardInput ?? "", outputLinesKept: int.MaxValue);
        try
        {
            var exitCode = await process.WaitForExitAsync(timeout);
            return new ProcessResult(exitCode, process.StandardOutput, process.StandardError);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException(
                $"{program} {string.Join(' ', argumentList)} did not finish within {timeout}.\n" +
                $"stdout:\n{process.StandardOutput}\nstderr:\n{process.StandardError}");
        }
    }

    /// <summary>
    /// The first output line, already printed or still to come, that <paramref name="match"/> accepts. Fails with the
    /// output tail when the process ends without printing one (<see cref="InvalidOperationException"/>) or the
    /// deadline passes (<see cref="TimeoutException"/>).
    /// </summary>
    /// <param name="match">Which line is awaited.</param>
    /// <param name="timeout">How long to wait for it.</param>
    /// <param name="what">What the line means, for the failure message (e.g. <c>its HTTP endpoint</c>).</param>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (var (_, line) in _output)
            {
                if (match(line))
                {
                    return line;
                }
            }
            _waiters.Add((match, seen));
        }

        // Output closing, not the exit event, tells that no line can come any more: the exit may be seen before the
        // last lines are read.
        using var deadline = new CancellationTokenSource(timeout);
        var finished = await Task.WhenAny(seen.Task, _outputClosed.Task, Task.Delay(Timeout.Infinite, deadline.Token));
        // Asked first, whichever task WhenAny reports: the tasks complete their continuations on the thread pool, so
        // the end of output can be reported first although the line was seen (and completed) before it.
        if (seen.Task.IsCompleted)
        {
            return await seen.Task;
        }
        lock (_output)
        {
            _waiters.RemoveAll(waiter => waiter.Seen == seen);
        }
        if (finished == _outputClosed.Task && await ExitedWithinAsync(KillWait))
        {
            throw new InvalidOperationException(
                $"{Name} exited with code {_process.ExitCode} while waiting for {what}. Its last output:\n{OutputTail}");
        }
        throw new TimeoutException(
            $"{Name} did not report {what} within {timeout.TotalSeconds:0.#} s. Its last output:\n{OutputTail}");
    }

    /// <summary>
    /// Hands <paramref name="onLine"/> every kept output line, then each line as it is read, until the returned handle
    /// is disposed: to show a process's output as it comes (a console) while it is kept as before. Lines arrive one at a
    /// time, in order, on the thread that reads them, so <paramref name="onLine"/> should be quick.
    /// </summary>
    public IDisposable Follow(Action<string> onLine)
    {
        lock (_output)
        {
            foreach (var (_, line) in _output)
            {
                onLine(line);
            }
            _followers.Add(onLine);
        }
        return new Following(this, onLine);
    }

    /// <summary>Waits for the process to end by itself and for its output to be read; returns its exit code.</summary>
    /// <exception cref="TimeoutException">It was still running after <paramref name="timeout"/> (it is left running).</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} was still running after {timeout}. Its last output:\n{OutputTail}");
        }
        // The asynchronous readers may still hold the last lines; this overload waits for them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the whole tree, as a crash or a power loss: nothing is flushed or closed. Waits until it is gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(KillWait);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary>SIGTERM (graceful shutdown); returns the exit code.</summary>
    /// <exception cref="OperationCanceledException">It did not exit within <paramref name="timeout"/>.</exception>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, Sigterm);
            using var deadline = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(deadline.Token);
        }
        return _process.ExitCode;
    }

    /// <summary>Kills the process tree if it still runs and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        Running.TryRemove(this, out _);
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(KillWait);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            // Never started, or stuck in the kernel: nothing more a test or a benchmark can do about it.
        }
        _process.Dispose();
    }

    private async Task<bool> ExitedWithinAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            // Output closed by a process still running (it closed its own stdout): not an exit.
            return false;
        }
    }

    private string KeptLines(bool? error, bool terminate = false)
    {
        lock (_output)
        {
            var lines = _output.Where(line => error is null || line.IsError == error).Select(line => line.Text);
            return terminate ? string.Concat(lines.Select(line => line + "\n")) : string.Join('\n', lines);
        }
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            // End of one stream; both ended means nothing more can be printed.
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _outputClosed.TrySetResult();
            }
            return;
        }
        lock (_output)
        {
            _output.Enqueue((isError, line));
            while (_output.Count > _outputLinesKept)
            {
                _output.Dequeue();
            }
            foreach (var follower in _followers)
            {
                follower(line);
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
        foreach (var child in Running.Keys)
        {
            child.Kill();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private sealed class Following(ChildProcess process, Action<string> onLine) : IDisposable
    {
        public void Dispose()
        {
            lock (process._output)
            {
                process._followers.Remove(onLine);
            }
        }
    }
}

/// <summary>How a program run to completion by <see cref="ChildProcess.RunAsync"/> ended, and all it printed.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="StandardOutput">Its stdout, each line ended by a newline.</param>
/// <param name="StandardError">Its stderr, each line ended by a newline.</param>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Throws with the program's own output when it failed, so a failing test says what the program saw.</summary>
    /// <param name="what">What ran, for the message (e.g. <c>kcat</c>).</param>
    public ProcessResult EnsureSuccess(string what) => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"{what} exited with {ExitCode}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
}
