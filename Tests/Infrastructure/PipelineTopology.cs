using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Hosting;
using AspirePipeline.Hosting.Camera;

namespace AspirePipeline.Tests.Infrastructure;

/// <summary>One consumer group as the AppHost declared it (its resource carries a <see cref="ConsumerGroupAnnotation"/>).</summary>
public sealed record PipelineGroup(string Resource, string GroupId, string? Analyzer, IReadOnlyList<string> Cameras, int Replicas)
{
    /// <summary>Whether the group analyses this camera's frames (no camera list: every camera).</summary>
    public bool Analyses(string camera) => Cameras.Count == 0 || Cameras.Contains(camera, StringComparer.Ordinal);
}

/// <summary>
/// The cameras and consumer groups of an AppHost's model, read from the resources themselves, so tests follow the
/// configuration instead of listing resource names.
/// </summary>
public sealed record PipelineTopology(IReadOnlyList<string> Cameras, IReadOnlyList<PipelineGroup> Groups)
{
    public static PipelineTopology Of(IEnumerable<IResource> resources)
    {
        var all = resources.ToList();
        return new PipelineTopology(
            [.. all.OfType<ICameraResource>().Select(camera => camera.Name)],
            [.. all.Select(resource => (Resource: resource, Group: resource.Annotations.OfType<ConsumerGroupAnnotation>().SingleOrDefault()))
                .Where(entry => entry.Group is not null)
                .Select(entry => new PipelineGroup(entry.Resource.Name, entry.Group!.GroupId, entry.Group.Analyzer, entry.Group.Cameras,
                    entry.Resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1))]);
    }

    /// <summary>Every resource whose health a test waits for before it starts: Kafka, the cameras, the producer, the groups.</summary>
    public IReadOnlyList<string> Resources(string kafka, string producer) =>
        [kafka, .. Cameras, producer, .. Groups.Select(group => group.Resource)];

    public PipelineGroup Group(string resource) => Groups.Single(group => group.Resource == resource);

    /// <summary>The groups that analyse <paramref name="camera"/>.</summary>
    public IEnumerable<PipelineGroup> GroupsOf(string camera) => Groups.Where(group => group.Analyses(camera));
}
