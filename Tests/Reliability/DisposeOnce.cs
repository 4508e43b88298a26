namespace AspirePipeline.Tests.Reliability;

/// <summary>Disposes a resource once, early when the test wants (e.g. to flush) or at the end of the scope otherwise.</summary>
internal sealed class DisposeOnce(IAsyncDisposable resource) : IAsyncDisposable
{
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await resource.DisposeAsync();
        }
    }
}
