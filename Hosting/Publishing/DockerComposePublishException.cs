namespace AspirePipeline.Hosting.Publishing;

/// <summary>The app model cannot be written as a compose file; <see cref="Problems"/> names each resource and what to change.</summary>
public sealed class DockerComposePublishException : Exception
{
    public DockerComposePublishException(IReadOnlyList<string> problems)
        : base(FormatMessage(problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }

    private static string FormatMessage(IReadOnlyList<string> problems) =>
        $"Docker Compose publishing failed; the app model has {problems.Count} problem(s):{Environment.NewLine}"
        + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}
