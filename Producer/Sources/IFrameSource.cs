namespace AspirePipeline.Producer.Sources;

/// <summary>An open camera stream.</summary>
internal interface IFrameSource : IAsyncDisposable
{
    /// <summary>The next frame; throws <see cref="CameraStreamException"/> when the stream stalls or ends.</summary>
    ValueTask<CapturedFrame> ReadAsync(CancellationToken cancellationToken);
}
