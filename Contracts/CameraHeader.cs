namespace AspirePipeline.Contracts;

/// <summary>
/// The Kafka header naming a message's camera, on every message the producer writes: frames (<c>frames</c>) and
/// recordings (<c>frames.video</c>) alike, so a reader of either finds the camera the same way.
/// </summary>
public static class CameraHeader
{
    public const string Name = "frame.camera-id";
}
