namespace AspirePipeline.Tests.Infrastructure;

/// <summary>
/// The tiers of the suite, as xunit traits (<c>./test.sh --filter Category=Unit</c>): Unit tests run in this process
/// only (no broker process, AppHost, camera, container or other program but `git ls-files`, which the source line
/// check reads), in well under a minute all together;
/// Integration tests start the real parts; Network tests put them on hosts of their own (network namespaces) and
/// break the links between them; the Deployment test builds the container images and runs the published compose file
/// on podman, minutes on its own. Every test class carries one (a test checks it).
/// </summary>
public static class TestCategory
{
    public const string Key = "Category";
    public const string Unit = "Unit";
    public const string Integration = "Integration";
    public const string Deployment = "Deployment";

    /// <summary>Hosts in network namespaces (<c>Tests/Network</c>): partitions, loss and delay between real processes; root.</summary>
    public const string Network = "Network";
}
