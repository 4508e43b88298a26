using System.Globalization;

namespace AspirePipeline.NetworkLab;

/// <summary>One command line, typed or from <c>--script</c>, as words: what to do to which host. Unreadable: <see cref="Error"/>.</summary>
internal sealed record FaultCommand(string Verb, string? Host = null, double? Seconds = null, double? Percent = null, string? Error = null)
{
    public const string Cut = "cut";
    public const string Heal = "heal";
    public const string Lose = "lose";
    public const string Hosts = "hosts";
    public const string Help = "help";
    public const string Quit = "quit";

    public const string Usage = """
          cut HOST [SECONDS]    drop every packet to and from HOST (healed after SECONDS when given)
          heal HOST             take HOST's faults away
          lose HOST PERCENT     drop PERCENT % of HOST's packets, at random
          hosts                 where each host is and how to look at it
          quit                  tear everything down (as do Ctrl+C and the end of stdin)
        """;

    /// <summary>The command on <paramref name="line"/>; null for a blank line.</summary>
    public static FaultCommand? Parse(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return null;
        }
        return (words[0], words.Length) switch
        {
            (Cut, 2) => new FaultCommand(Cut, words[1]),
            (Cut, 3) => Number(words[2], max: double.MaxValue) is { } seconds
                ? new FaultCommand(Cut, words[1], Seconds: seconds)
                : Wrong(Cut, $"'{words[2]}' is not a number of seconds"),
            (Heal, 2) => new FaultCommand(Heal, words[1]),
            (Lose, 3) => Number(words[2], max: 100) is { } percent
                ? new FaultCommand(Lose, words[1], Percent: percent)
                : Wrong(Lose, $"'{words[2]}' is not a percentage (0-100]"),
            (Hosts or Help or Quit, 1) => new FaultCommand(words[0]),
            ("exit", 1) => new FaultCommand(Quit),
            _ => Wrong(words[0], $"'{line.Trim()}' is not a command"),
        };
    }

    private static FaultCommand Wrong(string verb, string error) => new(verb, Error: error);

    private static double? Number(string text, double max) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max
            ? value
            : null;
}
