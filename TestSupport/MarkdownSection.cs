namespace AspirePipeline.TestSupport;

/// <summary>
/// Rewrites the generated part of a report between <c>&lt;!-- name:begin --&gt;</c> and <c>&lt;!-- name:end --&gt;</c>: the one
/// writer of generated documentation, used by the benchmarks (<c>docs/benchmarks.md</c>) and the reliability scenarios
/// (<c>docs/reliability.md</c>).
/// </summary>
public static class MarkdownSection
{
    /// <summary>
    /// A first run adds the section's heading and introduction (its command, what it measures) with an empty generated
    /// part; later runs find it and keep whatever was written around it.
    /// </summary>
    public static void AddIfMissing(string file, string name, string heading)
    {
        var text = File.Exists(file) ? File.ReadAllText(file) : "# Benchmarks\n";
        if (text.Contains($"<!-- {name}:begin -->", StringComparison.Ordinal))
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, text.TrimEnd() + "\n\n" + heading.TrimEnd() + "\n\n" + $"<!-- {name}:begin -->\n<!-- {name}:end -->\n");
    }

    /// <summary>
    /// A report's section written: added with <paramref name="heading"/> when the file lacks it, then its generated part
    /// replaced with <paramref name="content"/>.
    /// </summary>
    public static void Write(string file, string name, string heading, string content)
    {
        AddIfMissing(file, name, heading);
        Replace(file, name, content);
    }

    /// <summary>Replaces the section <paramref name="name"/> of <paramref name="file"/> with <paramref name="content"/>, or appends it.</summary>
    public static void Replace(string file, string name, string content)
    {
        var begin = $"<!-- {name}:begin -->";
        var end = $"<!-- {name}:end -->";
        var text = File.Exists(file) ? File.ReadAllText(file) : string.Empty;
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        var block = $"{begin}\n{content.TrimEnd()}\n{end}";
        text = from >= 0 && to > from
            ? string.Concat(text.AsSpan(0, from), block, text.AsSpan(to + end.Length))
            : text + (text.Length > 0 ? "\n" : string.Empty) + block + "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, text);
    }
}
