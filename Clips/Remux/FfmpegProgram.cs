namespace AspirePipeline.Clips.Remux;

/// <summary>
/// Finds the ffmpeg the clips are remuxed with (Debian's package <c>ffmpeg</c>). The same check as the producer's
/// (Frames' NativeDependencies), which this service cannot reference without pulling in OpenCV.
/// </summary>
internal static class FfmpegProgram
{
    public const string DebianPackage = "ffmpeg";
    public const string Setting = "Clips:Ffmpeg";

    /// <summary>Null when <paramref name="program"/> is an existing path or found on PATH, else what to install or set.</summary>
    public static string? DescribeMissing(string program)
    {
        if (Path.IsPathRooted(program) || program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program)
                ? null
                : $"{program} (set by {Setting}) does not exist: install the Debian package {DebianPackage} or correct {Setting}.";
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var found = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
        return found
            ? null
            : $"'{program}' is not on PATH ({path}): install the Debian package {DebianPackage} (scripts/prerequisites.sh does), "
                + $"or set {Setting} to its full path.";
    }
}
