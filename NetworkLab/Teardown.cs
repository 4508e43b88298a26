using System.Globalization;
using System.Text.RegularExpressions;
using AspirePipeline.TestSupport.Network;

namespace AspirePipeline.NetworkLab;

/// <summary>What of this lab is still there after it was torn down: its namespaces and links, and child processes.</summary>
internal static partial class Teardown
{
    public static async Task<IReadOnlyList<string>> LeftoversAsync()
    {
        // A network is named after the process that made it, its id the pid and one digit (apnet-{id}-broker, ap{id}h0):
        // another run's networks (a test run next to the lab) are not this lab's.
        var own = new Regex($"^(?:{TestNetwork.NamespacePrefix}|ap){Environment.ProcessId}\\d(?:-|[ophs])", RegexOptions.CultureInvariant);
        var network = (await TestNetwork.LeftoversAsync()).Where(name => own.IsMatch(name));
        return [.. network, .. ChildProcesses()];
    }

    private static IEnumerable<string> ChildProcesses()
    {
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var stat in Directory.EnumerateDirectories("/proc").Where(path => Pid().IsMatch(Path.GetFileName(path))))
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(stat, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && fields[1] == self)
            {
                yield return $"process {Path.GetFileName(stat)} ({ProcessName(text)})";
            }
        }
    }

    private static string ProcessName(string stat) => stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex Pid();
}
