namespace AspirePipeline.Clips.Catalog;

/// <summary>What the video topic holds of one camera.</summary>
/// <param name="Camera">The camera id (the messages' key).</param>
/// <param name="Codec">Its stream's codec (<c>video.codec</c>), as its latest keyframe named it.</param>
/// <param name="First">The capture time of its first retained keyframe: the earliest a clip can start.</param>
/// <param name="Last">The capture time of its latest message.</param>
/// <param name="Partitions">The partitions its messages are in (one, with any key partitioner).</param>
internal sealed record RecordedCamera(string Camera, string? Codec, DateTimeOffset First, DateTimeOffset Last, IReadOnlyList<int> Partitions);
