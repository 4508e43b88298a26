using System.ComponentModel;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>
/// No line of a tracked source file is longer than <see cref="MaxLineLength"/> characters, the <c>max_line_length</c>
/// of <c>.editorconfig</c>. The files are git's (<c>git ls-files</c>, one quick query of the checkout, no service), so
/// build output, local data and test results never count. Markdown is left out: its tables cannot wrap.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class SourceLineLengthTests
{
    private const int MaxLineLength = 150;
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> SourceExtensions = new(StringComparer.Ordinal)
    {
        ".cs", ".csproj", ".props", ".targets", ".sh", ".py", ".js", ".json", ".yaml", ".yml",
    };

    private static readonly HashSet<string> SourceFileNames = new(StringComparer.Ordinal) { ".editorconfig", "Dockerfile" };

    // Written by npm, not by hand.
    private static readonly HashSet<string> GeneratedFileNames = new(StringComparer.Ordinal) { "package-lock.json" };

    // Data, not source: the hand-made labels of the footage, whose notes say in a sentence who each one is.
    private static readonly string[] DataDirectories = ["Tests/PeopleDetection/GroundTruth/"];

    [Fact]
    public async Task No_tracked_source_line_is_longer_than_150_characters()
    {
        var root = RepoLayout.Root;
        var sources = (await TrackedFilesAsync(root)).Where(IsSource).ToList();
        Assert.True(sources.Count > 0, $"git ls-files listed no source files under {root}");

        var tooLong = sources
            .SelectMany(file => LongLines(root, file))
            .ToList();
        Assert.True(tooLong.Count == 0,
            $"{tooLong.Count} lines are longer than {MaxLineLength} characters; wrap them (the text a split string gives " +
            $"must stay the same):\n{string.Join('\n', tooLong)}");
    }

    private static bool IsSource(string path)
    {
        var name = Path.GetFileName(path);
        return !GeneratedFileNames.Contains(name)
            && !DataDirectories.Any(directory => path.StartsWith(directory, StringComparison.Ordinal))
            && (SourceFileNames.Contains(name) || SourceExtensions.Contains(Path.GetExtension(name)));
    }

    private static IEnumerable<string> LongLines(string root, string file)
    {
        var path = Path.Combine(root, file);
        if (!File.Exists(path))
        {
            // Deleted in the working tree but not yet in the index: nothing to read.
            yield break;
        }
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            // Characters as an editor counts them (a code point is one, whatever its UTF-8 or UTF-16 length).
            var length = line.EnumerateRunes().Count();
            if (length > MaxLineLength)
            {
                yield return $"{file}:{number}: {length} characters";
            }
        }
    }

    private static async Task<IReadOnlyList<string>> TrackedFilesAsync(string root)
    {
        ProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync("git", ["ls-files", "-z"], GitTimeout, workingDirectory: root);
        }
        catch (Win32Exception exception)
        {
            throw new Xunit.Sdk.XunitException(
                $"git is needed to list the tracked files (install it, e.g. apt-get install git): {exception.Message}", exception);
        }
        Assert.True(result.ExitCode == 0,
            $"git ls-files in {root} exited with {result.ExitCode} (this test needs a git checkout): {result.StandardError.Trim()}");
        // -z: NUL-separated names, unquoted whatever characters they hold; the output reader adds a final newline.
        return result.StandardOutput.TrimEnd('\n').Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
