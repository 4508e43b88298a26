using System.Globalization;
using System.Text.RegularExpressions;
using AspirePipeline.Contracts;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// Which partitions each analysis host holds, as its Consumer says in its log: FrameConsumerService logs
/// <c>Group {GroupId} assigned|revoked|lost {topic[partition],...}</c> on every rebalance (assigned: incremental under
/// the cooperative protocol, the whole assignment under the eager one; a set covers both). Each change is also told
/// as a lab line. What a host believes: one cut off holds its partitions until its own session timer gives up on them.
/// </summary>
internal sealed partial class AssignmentTracker(LabOutput output)
{
    private readonly Dictionary<string, SortedSet<int>> _held = [];

    /// <summary>The partitions <paramref name="host"/> holds now, by its log.</summary>
    public IReadOnlyList<int> Held(string host)
    {
        lock (_held)
        {
            return _held.TryGetValue(host, out var held) ? [.. held] : [];
        }
    }

    /// <summary>Reads one of <paramref name="host"/>'s log lines.</summary>
    public void Observe(string host, string line)
    {
        var change = Change().Match(line);
        if (!change.Success)
        {
            return;
        }
        var partitions = change.Groups["partition"].Captures.Select(capture => int.Parse(capture.ValueSpan, CultureInfo.InvariantCulture)).ToList();
        string now;
        lock (_held)
        {
            if (!_held.TryGetValue(host, out var held))
            {
                _held[host] = held = [];
            }
            if (change.Groups["verb"].Value == "assigned")
            {
                held.UnionWith(partitions);
            }
            else
            {
                held.ExceptWith(partitions);
            }
            now = Describe(held);
        }
        output.Lab($"{host} {change.Groups["verb"].Value} partitions {Describe(partitions)}: it holds {now}");
    }

    public static string Describe(IEnumerable<int> partitions) =>
        partitions.Any() ? string.Join(',', partitions.Order()) : "none";

    // "Group analysis assigned frames[0],frames[2]" / "... revoked frames[1]; in-flight ..." / "... lost frames[3]; ...".
    [GeneratedRegex(@"Group \S+ (?<verb>assigned|revoked|lost) (?:" + FrameTopics.Frames + @"\[(?<partition>\d+)\],?)+")]
    private static partial Regex Change();
}
