using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// The console, shared by every service's log and the lab's own lines: each line starts with the seconds since the lab
/// was up (<c>--script</c> times count from the same zero; while it starts, since it began) and where it comes from.
/// </summary>
internal sealed partial class LabOutput
{
    /// <summary>The source column of the lab's own lines.</summary>
    public const string LabSource = "lab";

    private const int SourceWidth = 10;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _upAtTicks;

    /// <summary>Time since <see cref="MarkUp"/> (before it: since the lab began to start).</summary>
    public TimeSpan SinceUp => _clock.Elapsed - TimeSpan.FromTicks(Volatile.Read(ref _upAtTicks));

    /// <summary>From now on the time column counts from zero.</summary>
    public void MarkUp() => Volatile.Write(ref _upAtTicks, _clock.Elapsed.Ticks);

    /// <summary>A line of the lab's own.</summary>
    public void Lab(string text) => Line(LabSource, text);

    /// <summary>A line from <paramref name="source"/> (a host, <c>summary</c>); several when the text has line breaks.</summary>
    public void Line(string source, string text)
    {
        var time = SinceUp.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture).PadLeft(6);
        lock (_gate)
        {
            foreach (var line in text.Split('\n'))
            {
                Console.Out.WriteLine($"{time} {source.PadRight(SourceWidth)} | {line}");
            }
        }
    }

    /// <summary>What a service's log lines are shown with: the host's name, the category shortened to its class.</summary>
    public Action<string> Follower(string host) => line => Line(host, Category().Replace(line, "$1: $2"));

    // "info: AspirePipeline.FrameProcessing.Pipeline.FrameConsumerService[1002] Group ..." (the simple, single-line format).
    [GeneratedRegex(@"^(\w+): (?:[\w]+\.)+(\w+\[\d+\])")]
    private static partial Regex Category();
}
