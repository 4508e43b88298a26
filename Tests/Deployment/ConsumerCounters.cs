namespace AspirePipeline.Tests.Deployment;

/// <summary>A consumer group's running totals from its <c>/stats</c>.</summary>
internal sealed record ConsumerCounters(long Processed, long Missing, long Repeated, long DeadLettered)
{
    public override string ToString() =>
        $"processed={Processed} missing={Missing} repeated (redelivered)={Repeated} dead-lettered={DeadLettered}";
}
