namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>
/// The last events this consumer published that the events topic acknowledged, newest first, each with its position
/// there (what the clips service finds an event's clip by). Written on Kafka's delivery thread, read by <c>/stats</c>.
/// </summary>
public sealed class RecentEvents
{
    public const int Kept = 20;

    private readonly Lock _lock = new();
    private readonly LinkedList<PublishedEvent> _events = new();

    public void Add(PublishedEvent published)
    {
        lock (_lock)
        {
            _events.AddFirst(published);
            while (_events.Count > Kept)
            {
                _events.RemoveLast();
            }
        }
    }

    public IReadOnlyList<PublishedEvent> Snapshot()
    {
        lock (_lock)
        {
            return [.. _events];
        }
    }
}
