namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// The deployment test runs alone, after the parallel collections: it builds images and runs the whole system in
/// containers, which takes both cores of a test machine for minutes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeploymentCollection
{
    public const string Name = "deployment";
}
