using System.ComponentModel;
using System.Diagnostics;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// Runs Debian's ffmpeg to completion: stdout goes to a callback (raw frames) or is drained, stderr is kept for
/// errors and for <c>-benchmark</c>'s CPU line, and a run past its deadline is killed.
/// </summary>
internal static class Ffmpeg
{
    /// <summary>What ffmpeg printed on stderr.</summary>
    public static async Task<string> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, string what,
        Func<Stream, Task>? readStdout = null)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{what}: ffmpeg did not start.");
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"{what}: ffmpeg could not be started ({exception.Message}); install it with scripts/prerequisites.sh (Debian package ffmpeg).",
                exception);
        }

        using (process)
        using (var deadline = new CancellationTokenSource(timeout))
        using (deadline.Token.Register(() => KillQuietly(process)))
        {
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await (readStdout is null
                    ? process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None)
                    : readStdout(process.StandardOutput.BaseStream));
                await process.WaitForExitAsync(CancellationToken.None);
            }
            catch
            {
                // The reader failed (e.g. a frame of the wrong size): ffmpeg must not outlive this run.
                KillQuietly(process);
                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"{what}: ffmpeg did not finish within {timeout.TotalSeconds:0} s; killed.");
                }
                throw;
            }
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{what}: ffmpeg did not finish within {timeout.TotalSeconds:0} s; killed.");
            }

            var printed = await stderr;
            if (process.ExitCode != 0)
            {
                var tail = string.Join('\n', printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8));
                throw new InvalidOperationException($"{what}: ffmpeg exited with code {process.ExitCode}. It said:\n{tail}");
            }
            return printed;
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }
}
