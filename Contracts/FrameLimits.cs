namespace AspirePipeline.Contracts;

/// <summary>Size limits of the frame contract, shared by the AppHost's topics, the producer and the broker.</summary>
public static class FrameLimits
{
    /// <summary>
    /// The largest frame message: a raw 1280x720 BGR frame is 2.7 MB and a 1080p one 6.2 MB, so 8 MiB carries every
    /// encoding up to 1080p (a 1280x720 JPEG is 100-300 KB).
    /// </summary>
    public const int MaxMessageBytes = 8 * 1024 * 1024;
}
