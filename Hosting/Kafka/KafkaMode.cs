namespace AspirePipeline.Hosting.Kafka;

/// <summary>How the <c>kafka</c> resource is provided; configuration key <c>Kafka:Mode</c>.</summary>
public enum KafkaMode
{
    /// <summary>External when <c>ConnectionStrings:{name}</c> is set, else Container when a runtime answers, else Broker.</summary>
    Auto,

    /// <summary>The Apache Kafka image (KRaft, single node).</summary>
    Container,

    /// <summary>This repository's Kafka-wire-protocol broker as a local process.</summary>
    Broker,

    /// <summary>An existing cluster given by <c>ConnectionStrings:{name}</c>.</summary>
    External,
}
