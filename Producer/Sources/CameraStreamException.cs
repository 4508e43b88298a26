namespace AspirePipeline.Producer.Sources;

/// <summary>A camera stream stalled, ended or could not be opened; the reader reopens it with backoff.</summary>
internal sealed class CameraStreamException : Exception
{
    public CameraStreamException(string message)
        : base(message)
    {
    }

    public CameraStreamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
