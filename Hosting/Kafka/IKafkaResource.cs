using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Kafka;

/// <summary>
/// The <c>kafka</c> resource whichever way it is provided: services take <c>WithReference(kafka)</c> (bootstrap
/// servers in <c>ConnectionStrings__kafka</c>) and <c>WaitFor(kafka)</c> (the broker answers and the declared topics
/// exist) without knowing the mode.
/// </summary>
public interface IKafkaResource : IResourceWithConnectionString, IResourceWithWaitSupport
{
    KafkaMode Mode { get; }
}
