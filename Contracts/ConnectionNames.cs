namespace AspirePipeline.Contracts;

/// <summary>Resource and connection-string names the AppHost declares and the services look up.</summary>
public static class ConnectionNames
{
    /// <summary>The Kafka resource: services read <c>ConnectionStrings:kafka</c>.</summary>
    public const string Kafka = "kafka";
}
