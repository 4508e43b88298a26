using Microsoft.Extensions.Logging;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>The in-process parts of the shared test support: polling and log capture.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class TestSupportUnitTests
{
    [Fact]
    public async Task Poll_returns_once_the_condition_holds_and_says_what_it_awaited_when_it_does_not()
    {
        var checks = 0;
        await Poll.UntilAsync(() => ++checks == 3, TimeSpan.FromSeconds(10), () => "three checks", TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, checks);

        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            Poll.UntilAsync(() => false, TimeSpan.FromMilliseconds(20), () => "never true", TimeSpan.FromMilliseconds(5)));
        Assert.Contains("never true", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Captured_logs_keep_their_order_and_at_most_the_latest_entries_of_each_category()
    {
        using var logs = new CapturingLoggerProvider(LogLevel.Information, keptPerCategory: 2);
        var first = logs.CreateLogger("first");
        var second = logs.CreateLogger("second");
        first.LogDebug("below the minimum");
        first.LogInformation("a1");
        second.LogWarning("b1");
        first.LogInformation("a2");
        first.LogError("a3");

        Assert.Equal(["b1", "a2", "a3"], logs.Entries.Select(entry => entry.Message));
        Assert.Equal(LogLevel.Error, logs.Entries[^1].Level);
        Assert.Equal("first", logs.Entries[^1].Category);
    }
}

/// <summary>The shared child process helper, with a real program (sh).</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class ChildProcessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_line_printed_just_before_the_process_exits_is_found()
    {
        await using var process = ChildProcess.Start("sh", "/bin/sh", ["-c", "echo starting; echo ready on 42; exit 3"]);
        Assert.Equal("ready on 42", await process.WaitForLineAsync(line => line.StartsWith("ready", StringComparison.Ordinal), Deadline, "ready"));
        Assert.Equal(3, await process.WaitForExitAsync(Deadline));
    }

    [Fact]
    public async Task Waiting_for_a_line_the_process_never_prints_fails_when_it_exits_with_its_output()
    {
        await using var process = ChildProcess.Start("sh", "/bin/sh", ["-c", "echo something else >&2; exit 2"]);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            process.WaitForLineAsync(line => line == "ready", Deadline, "its ready line"));
        Assert.Contains("exited with code 2", failure.Message, StringComparison.Ordinal);
        Assert.Contains("something else", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_follower_gets_the_lines_printed_before_it_came_and_each_one_after_until_it_stops()
    {
        // The script goes on to its next line when the test creates the file it waits for.
        var gates = Directory.CreateTempSubdirectory("child-process-follow-");
        try
        {
            const string Script = """
                echo one; until [ -e "$0/two" ]; do sleep 0.05; done
                echo two; until [ -e "$0/three" ]; do sleep 0.05; done
                echo three
                """;
            await using var process = ChildProcess.Start("sh", "/bin/sh", ["-c", Script, gates.FullName]);
            await process.WaitForLineAsync(line => line == "one", Deadline, "one");
            var followed = new List<string>();
            var following = process.Follow(line =>
            {
                lock (followed)
                {
                    followed.Add(line);
                }
            });

            await File.WriteAllTextAsync(Path.Combine(gates.FullName, "two"), "");
            await process.WaitForLineAsync(line => line == "two", Deadline, "two");
            following.Dispose();
            await File.WriteAllTextAsync(Path.Combine(gates.FullName, "three"), "");
            await process.WaitForLineAsync(line => line == "three", Deadline, "three");

            lock (followed)
            {
                Assert.Equal(["one", "two"], followed);
            }
        }
        finally
        {
            gates.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_program_run_to_completion_gives_its_exit_code_and_each_stream_and_reads_its_input()
    {
        var run = await ChildProcess.RunAsync("/bin/sh", ["-c", "cat; echo oops >&2; exit 1"], Deadline, standardInput: "hello\n");
        Assert.Equal(new ProcessResult(1, "hello\n", "oops\n"), run);
        Assert.Throws<InvalidOperationException>(() => run.EnsureSuccess("sh"));
    }

    [Fact]
    public async Task A_program_past_its_deadline_is_killed_and_the_failure_has_its_output()
    {
        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            ChildProcess.RunAsync("/bin/sh", ["-c", "echo waiting; exec sleep 60"], TimeSpan.FromSeconds(1)));
        Assert.Contains("waiting", failure.Message, StringComparison.Ordinal);
    }
}
