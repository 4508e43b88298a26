using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker.Clients;

[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class KafkaPythonClientTests(ClientsBrokerFixture broker) : ScriptClientTests(broker), IClassFixture<ClientsBrokerFixture>
{
    protected override string Origin => "kafka-python";

    // Debian's python3-kafka is installed for the system interpreter, not for a pyenv or venv python3 on PATH.
    protected override string Program => "/usr/bin/python3";

    protected override string Script => "kafka_python_client.py";
}
