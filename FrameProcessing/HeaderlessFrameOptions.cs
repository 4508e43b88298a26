using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing;

/// <summary>
/// Who sent a frame that names no camera: no <c>frame.camera-id</c> header and no message key, as the original
/// design's Go producer sends them. Section <c>HeaderlessFrames</c>. Such frames take their capture time from the
/// Kafka message timestamp.
/// </summary>
public sealed class HeaderlessFrameOptions : IValidatableObject
{
    public const string SectionName = "HeaderlessFrames";

    public const string DefaultCameraId = "unknown";

    /// <summary>The camera id of such frames on any topic without an entry in <see cref="CameraIdsByTopic"/>.</summary>
    [Required(AllowEmptyStrings = false)]
    [MaxLength(256)]
    public string CameraId { get; set; } = DefaultCameraId;

    /// <summary>Camera id per topic the frame was read from, winning over <see cref="CameraId"/>.</summary>
    public Dictionary<string, string> CameraIdsByTopic { get; set; } = new(StringComparer.Ordinal);

    public string CameraIdFor(string topic) =>
        CameraIdsByTopic.TryGetValue(topic, out var cameraId) ? cameraId : CameraId;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (topic, cameraId) in CameraIdsByTopic)
        {
            if (string.IsNullOrWhiteSpace(cameraId) || cameraId.Length > 256)
            {
                yield return new ValidationResult(
                    $"{SectionName}:{nameof(CameraIdsByTopic)}:{topic} must be a camera id of 1 to 256 characters.",
                    [nameof(CameraIdsByTopic)]);
            }
        }
    }
}
