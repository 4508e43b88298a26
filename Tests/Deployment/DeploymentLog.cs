using Xunit.Abstractions;

namespace AspirePipeline.Tests.Deployment;

/// <summary>The deployment test's progress in the test output, each line with its UTC time: where a slow run spent it.</summary>
internal sealed class DeploymentLog(ITestOutputHelper output)
{
    public void Write(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} [deployment-test] {message}");
}
