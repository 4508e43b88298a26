namespace AspirePipeline.KafkaClient;
