using Confluent.Kafka;

namespace AspirePipeline.KafkaClient;

/// <summary>What producer and consumer settings share. Bound from configuration, then adjusted in code.</summary>
public abstract class KafkaClientSettings
{
    /// <summary>Default time a health probe waits for the broker's metadata answer.</summary>
    public static readonly TimeSpan DefaultHealthCheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Bootstrap servers (<c>host:port[,host:port]</c>); filled from <c>ConnectionStrings:{name}</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Skips the <c>Aspire.Confluent.Kafka.*</c> health check registration.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Skips librdkafka statistics and the <c>messaging.kafka.*</c> metrics.</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>How long a health probe waits for a metadata answer before reporting Unhealthy.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = DefaultHealthCheckTimeout;

    /// <summary>The librdkafka settings as the concrete client config (producer or consumer).</summary>
    internal abstract ClientConfig ClientConfig { get; }
}

/// <summary>Settings of a producer registered with <c>AddKafkaProducer</c>; section <c>Aspire:Confluent:Kafka:Producer</c>.</summary>
public sealed class KafkaProducerSettings : KafkaClientSettings
{
    public const string SectionName = "Aspire:Confluent:Kafka:Producer";

    /// <summary>librdkafka settings (the <c>Config</c> sub-section: typed names like <c>BootstrapServers</c> or raw dotted ones).</summary>
    public ProducerConfig Config { get; } = new();

    internal override ClientConfig ClientConfig => Config;
}

/// <summary>Settings of a consumer registered with <c>AddKafkaConsumer</c>; section <c>Aspire:Confluent:Kafka:Consumer</c>.</summary>
public sealed class KafkaConsumerSettings : KafkaClientSettings
{
    public const string SectionName = "Aspire:Confluent:Kafka:Consumer";

    /// <summary>librdkafka settings (the <c>Config</c> sub-section: typed names like <c>GroupId</c> or raw dotted ones).</summary>
    public ConsumerConfig Config { get; } = new();

    internal override ClientConfig ClientConfig => Config;
}
