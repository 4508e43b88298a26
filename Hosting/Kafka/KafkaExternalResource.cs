using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>An existing cluster named by <c>ConnectionStrings:{name}</c>; nothing is started for it.</summary>
public sealed class KafkaExternalResource(string name, string bootstrapServers) : Resource(name), IKafkaResource
{
    public KafkaMode Mode => KafkaMode.External;

    public string BootstrapServers { get; } = bootstrapServers;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{BootstrapServers}");
}
