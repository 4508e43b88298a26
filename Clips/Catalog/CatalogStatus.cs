namespace AspirePipeline.Clips.Catalog;

/// <summary>How far the catalog has read the video topic.</summary>
/// <param name="Topic">The video topic.</param>
/// <param name="Partitions">The partitions it reads.</param>
/// <param name="PartitionsBehind">Partitions not yet read to the end they had when the catalog started reading them.</param>
/// <param name="Messages">Messages read since the start.</param>
/// <param name="Problem">Why it cannot read (no topic, no Kafka), or null.</param>
internal sealed record CatalogStatus(string Topic, IReadOnlyList<int> Partitions, IReadOnlyList<int> PartitionsBehind, long Messages, string? Problem)
{
    /// <summary>Every partition was read to its end at least once: a camera the catalog does not know has no recording.</summary>
    public bool CaughtUp => Problem is null && Partitions.Count > 0 && PartitionsBehind.Count == 0;

    /// <summary>A sentence for pages and errors: what the catalog has read, or what stops it.</summary>
    public string Describe() =>
        Problem is not null ? $"The catalog cannot read {Topic}: {Problem}"
        : Partitions.Count == 0 ? $"The catalog has not reached {Topic} yet."
        : CaughtUp ? $"The catalog has read all {Partitions.Count} partition(s) of {Topic} ({Messages} messages) and follows them."
        : $"The catalog is still reading {Topic} (partition(s) {string.Join(", ", PartitionsBehind)} not read to the end yet, "
            + $"{Messages} messages so far).";
}
