using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Client;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Logging;

namespace AspirePipeline.TestRunSummary;

/// <summary>
/// Ends a test run's output with the tests that did not pass, each by name, and one line,
/// <c>Tests: N passed, N failed</c>: the last lines of a long CI log say what to look at. It is told each result by the
/// runner as it happens, so nothing reads a results file afterwards. A run that was aborted (a hang, a crashed test
/// host) counts as failed even when every result it reported passed, since the tests it never reached are not in them.
/// </summary>
[FriendlyName(FriendlyName)]
[ExtensionUri(ExtensionUri)]
public sealed class TestRunSummaryLogger : ITestLogger
{
    public const string FriendlyName = "summary";
    public const string ExtensionUri = "logger://AspirePipeline/TestRunSummary/v1";

    private readonly TextWriter _output;
    private readonly Lock _lock = new();
    private readonly List<string> _notPassed = [];
    private int _passed;
    private int _skipped;

    /// <summary>The runner's constructor: the summary goes to standard output, which `dotnet test` shows.</summary>
    public TestRunSummaryLogger() : this(Console.Out)
    {
    }

    internal TestRunSummaryLogger(TextWriter output) => _output = output;

    public void Initialize(TestLoggerEvents events, string testRunDirectory)
    {
        ArgumentNullException.ThrowIfNull(events);
        events.TestResult += (_, e) => Record(e.Result);
        events.TestRunComplete += (_, e) => _output.Write(Summary(e.IsAborted || e.IsCanceled, e.Error));
    }

    private void Record(TestResult result)
    {
        lock (_lock)
        {
            switch (result.Outcome)
            {
                case TestOutcome.Passed:
                    _passed++;
                    break;
                case TestOutcome.Skipped:
                    _skipped++;
                    break;
                default:
                    // Failed, and the outcomes of a test that never finished (None, NotFound): not a pass.
                    // The display name: the method by its full name, with a theory's arguments.
                    _notPassed.Add($"  {result.Outcome}: {result.DisplayName ?? result.TestCase.DisplayName}");
                    break;
            }
        }
    }

    private string Summary(bool aborted, Exception? error)
    {
        lock (_lock)
        {
            var failed = _notPassed.Count + (aborted ? 1 : 0);
            var text = new System.Text.StringBuilder().AppendLine();
            foreach (var line in _notPassed)
            {
                text.AppendLine(line);
            }
            if (aborted)
            {
                text.AppendLine($"  Aborted: the test run stopped before it ended{(error is null ? "" : $" ({error.Message})")}; "
                    + "tests it had not reached have no result (counted as one failure)");
            }
            var skipped = _skipped > 0 ? $", {_skipped} skipped" : "";
            return text.AppendLine($"Tests: {_passed} passed, {failed} failed{skipped}").ToString();
        }
    }
}
