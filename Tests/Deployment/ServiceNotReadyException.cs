namespace AspirePipeline.Tests.Deployment;

/// <summary>A service of the deployment cannot be asked yet (no container, no address, no answer): a check tries again.</summary>
internal sealed class ServiceNotReadyException(string message) : Exception(message);
