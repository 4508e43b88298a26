namespace AspirePipeline.KafkaClient;

/// <summary>OpenTelemetry messaging semantic-convention names used on Kafka spans and metrics.</summary>
public static class MessagingTags
{
    public const string System = "messaging.system";
    public const string SystemKafka = "kafka";
    public const string DestinationName = "messaging.destination.name";
    public const string OperationType = "messaging.operation.type";
    public const string OperationName = "messaging.operation.name";
    public const string ClientId = "messaging.client.id";
    public const string ConsumerGroupName = "messaging.consumer.group.name";
    public const string MessageBodySize = "messaging.message.body.size";
    public const string KafkaPartition = "messaging.kafka.destination.partition";
    public const string KafkaOffset = "messaging.kafka.message.offset";
    public const string KafkaMessageKey = "messaging.kafka.message.key";
    public const string ErrorType = "error.type";

    /// <summary>Values of <see cref="OperationType"/>.</summary>
    public static class Operations
    {
        public const string Publish = "publish";
        public const string Receive = "receive";
        public const string Process = "process";
    }
}
