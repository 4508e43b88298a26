using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>How many threads OpenCV may spread one call over, as the services' <c>OpenCvThreads</c> options say.</summary>
public static class OpenCvThreading
{
    /// <summary>
    /// 1 (the services' default) runs every OpenCV call on the calling thread: on a small machine shared by camera,
    /// broker and consumers, OpenCV's worker threads mostly spin, and the per-stage CPU accounting only sees the
    /// calling thread. 0 restores OpenCV's default of one thread per core.
    /// </summary>
    public static void Apply(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Cv2.SetNumThreads(threads == 0 ? -1 : threads);
    }
}
