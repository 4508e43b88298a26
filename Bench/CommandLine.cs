using System.Globalization;

namespace AspirePipeline.Bench;

/// <summary>Reads a benchmark mode's <c>--name value</c> options; a bad value names the option.</summary>
internal sealed class CommandLine(IReadOnlyList<string> args)
{
    /// <summary>The word after <paramref name="name"/>, or null when the option is absent.</summary>
    public string? Value(string name)
    {
        for (var at = 0; at + 1 < args.Count; at++)
        {
            if (args[at] == name)
            {
                return args[at + 1];
            }
        }
        return null;
    }

    /// <summary>The word after <paramref name="name"/>, which <paramref name="command"/> cannot do without.</summary>
    public string Required(string name, string command) =>
        Value(name) ?? throw new ArgumentException($"{command} needs {name} <value>");

    /// <summary>A positive whole number, or <paramref name="fallback"/> when the option is absent.</summary>
    public int Int(string name, int fallback) => Value(name) is { } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive integer, not '{text}'.")
        : fallback;
}
