using System.Text.RegularExpressions;
using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>
/// What the services load or run from the machine, checked at start so that a missing package is named there and
/// then, not discovered frame by frame: OpenCV's native library (and the shared libraries it needs) and the
/// programs the services start (ffmpeg).
/// </summary>
public static partial class NativeDependencies
{
    /// <summary>The Debian package of each shared library <c>libOpenCvSharpExtern.so</c> needs (its NEEDED entries).</summary>
    private static readonly Dictionary<string, string> OpenCvLibraryPackages = new(StringComparer.Ordinal)
    {
        ["libatomic.so.1"] = "libatomic1",
        ["libgtk-3.so.0"] = "libgtk-3-0",
        ["libgdk-3.so.0"] = "libgtk-3-0",
        ["libpangocairo-1.0.so.0"] = "libpangocairo-1.0-0",
        ["libpango-1.0.so.0"] = "libpango-1.0-0",
        ["libatk-1.0.so.0"] = "libatk1.0-0",
        ["libcairo-gobject.so.2"] = "libcairo-gobject2",
        ["libcairo.so.2"] = "libcairo2",
        ["libgdk_pixbuf-2.0.so.0"] = "libgdk-pixbuf-2.0-0",
        ["libgio-2.0.so.0"] = "libglib2.0-0",
        ["libgobject-2.0.so.0"] = "libglib2.0-0",
        ["libglib-2.0.so.0"] = "libglib2.0-0",
        ["libfreetype.so.6"] = "libfreetype6",
        ["libharfbuzz.so.0"] = "libharfbuzz0b",
        ["libdrm.so.2"] = "libdrm2",
        ["libX11.so.6"] = "libx11-6",
    };

    private static readonly Lazy<string?> OpenCvProblem = new(ProbeOpenCv);

    /// <summary>Null when OpenCV's native library loads, else what failed and which Debian package to install.</summary>
    public static string? DescribeOpenCvProblem() => OpenCvProblem.Value;

    /// <summary>
    /// Null when <paramref name="program"/> is an executable path or found on PATH, else a message naming the
    /// Debian package and the setting that chooses another program.
    /// </summary>
    public static string? DescribeMissingProgram(string program, string debianPackage, string setting)
    {
        if (Path.IsPathRooted(program) || program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program)
                ? null
                : $"{program} (set by {setting}) does not exist; install Debian's {debianPackage} or correct {setting}.";
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var found = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
        return found
            ? null
            : $"'{program}' is not on PATH ({path}): install the Debian package {debianPackage} (scripts/prerequisites.sh does), " +
                $"or set {setting} to its full path.";
    }

    /// <summary>Turns the loader's message into one that names the missing library's Debian package.</summary>
    public static string ExplainOpenCvLoadFailure(Exception exception)
    {
        var text = string.Join(" <- ", Unwrap(exception).Select(e => e.Message));
        // The loader also reports each path it tried for the library itself; what is missing is what it needs.
        var missing = MissingLibrary().Matches(text).Select(m => m.Groups[1].Value)
            .Where(library => !library.StartsWith("libOpenCvSharpExtern", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).ToList();
        var packages = missing.Select(library => OpenCvLibraryPackages.GetValueOrDefault(library)).OfType<string>()
            .Distinct(StringComparer.Ordinal).ToList();
        var advice = packages.Count > 0
            ? $"install the Debian package(s) {string.Join(' ', packages)}"
            : $"install its libraries: Debian packages {string.Join(' ', OpenCvLibraryPackages.Values.Distinct(StringComparer.Ordinal))}";
        var which = missing.Count > 0 ? $" ({string.Join(", ", missing)} missing)" : string.Empty;
        return $"OpenCV's native library (libOpenCvSharpExtern.so) cannot be loaded{which}: {advice} " +
            $"(scripts/prerequisites.sh installs them). Loader said: {text}";
    }

    private static string? ProbeOpenCv()
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception exception) when (exception is TypeInitializationException or DllNotFoundException or BadImageFormatException)
        {
            return ExplainOpenCvLoadFailure(exception);
        }
    }

    private static IEnumerable<Exception> Unwrap(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    [GeneratedRegex(@"(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
