using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting;

/// <summary>
/// Marks a resource as one of the pipeline's consumer groups (its Kafka group id, analysis and cameras), so tests,
/// benchmarks and tools find the groups in the app model instead of listing resource names.
/// </summary>
public sealed record ConsumerGroupAnnotation(string GroupId, string? Analyzer, IReadOnlyList<string> Cameras) : IResourceAnnotation;
