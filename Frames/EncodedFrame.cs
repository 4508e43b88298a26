namespace AspirePipeline.Frames;

/// <summary>
/// A frame ready for Kafka: the exact-size payload (Confluent's byte[] serializer sends the whole array) and the
/// metadata to write as headers.
/// </summary>
public sealed record EncodedFrame(byte[] Payload, FrameMetadata Metadata);
