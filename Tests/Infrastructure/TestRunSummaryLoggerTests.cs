using System.Collections.ObjectModel;
using AspirePipeline.TestRunSummary;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Client;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Logging;

namespace AspirePipeline.Tests.Infrastructure;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class TestRunSummaryLoggerTests
{
    [Fact]
    public void The_summary_names_every_test_that_did_not_pass_and_ends_with_one_total()
    {
        var (events, output) = Initialized();

        events.Report(Result("Suite.Passes", TestOutcome.Passed));
        events.Report(Result("Suite.Fails", TestOutcome.Failed));
        events.Report(Result("Suite.Skipped", TestOutcome.Skipped));
        events.Report(Result("Suite.NeverFinished", TestOutcome.None));
        events.Report(Result("Suite.AlsoPasses", TestOutcome.Passed));
        events.Complete(aborted: false);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["Failed: Suite.Fails", "None: Suite.NeverFinished", "Tests: 2 passed, 2 failed, 1 skipped"], lines);
    }

    [Fact]
    public void An_aborted_run_counts_as_a_failure_even_when_every_result_it_reported_passed()
    {
        var (events, output) = Initialized();

        events.Report(Result("Suite.Passes", TestOutcome.Passed));
        events.Complete(aborted: true, new InvalidOperationException("test host crashed"));

        var text = output.ToString();
        Assert.Contains("Aborted: the test run stopped before it ended (test host crashed)", text);
        Assert.EndsWith($"Tests: 1 passed, 1 failed{Environment.NewLine}", text);
    }

    private static (RaisedEvents Events, StringWriter Output) Initialized()
    {
        var output = new StringWriter();
        var events = new RaisedEvents();
        new TestRunSummaryLogger(output).Initialize(events, testRunDirectory: Path.GetTempPath());
        return (events, output);
    }

    private static TestResult Result(string name, TestOutcome outcome) =>
        new(new TestCase(name, new Uri("executor://test"), "Suite.dll")) { Outcome = outcome, DisplayName = name };

    /// <summary>The runner's events, raised by the test as `dotnet test` raises them.</summary>
    private sealed class RaisedEvents : TestLoggerEvents
    {
        // The logger listens to results and completion only: the other events are never raised here.
#pragma warning disable CS0067
        public override event EventHandler<TestRunMessageEventArgs>? TestRunMessage;
        public override event EventHandler<TestRunStartEventArgs>? TestRunStart;
        public override event EventHandler<DiscoveryStartEventArgs>? DiscoveryStart;
        public override event EventHandler<TestRunMessageEventArgs>? DiscoveryMessage;
        public override event EventHandler<DiscoveredTestsEventArgs>? DiscoveredTests;
        public override event EventHandler<DiscoveryCompleteEventArgs>? DiscoveryComplete;
#pragma warning restore CS0067
        public override event EventHandler<TestResultEventArgs>? TestResult;
        public override event EventHandler<TestRunCompleteEventArgs>? TestRunComplete;

        public void Report(TestResult result) => TestResult?.Invoke(this, new TestResultEventArgs(result));

        public void Complete(bool aborted, Exception? error = null) => TestRunComplete?.Invoke(this,
            new TestRunCompleteEventArgs(stats: null, isCanceled: false, aborted, error, new Collection<AttachmentSet>(), TimeSpan.Zero));
    }
}
