namespace AspirePipeline.Contracts.Scene;

/// <summary>A zone or line whose configuration cannot be used; the message names the configuration path to fix.</summary>
public sealed class SceneConfigurationException(string message, Exception? innerException = null)
    : InvalidOperationException(message, innerException);
