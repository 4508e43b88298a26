using Microsoft.Extensions.Options;

namespace AspirePipeline.Producer;

/// <summary>
/// Checks each camera's <c>Passthrough</c> as written in the configuration. The binder drops a list element whose enum
/// value does not parse, so a typo would otherwise surface as "No camera configured" or as a camera silently missing.
/// </summary>
internal sealed class PassthroughSettingValidator(IConfiguration configuration) : IValidateOptions<ProducerOptions>
{
    public ValidateOptionsResult Validate(string? name, ProducerOptions options)
    {
        var section = configuration.GetSection(ProducerOptions.SectionName);
        var cameras = section.GetSection(nameof(ProducerOptions.Cameras)).GetChildren()
            .Select(camera => (Path: $"{ProducerOptions.SectionName}:Cameras:{camera.Key}", Value: camera[nameof(CameraOptions.Passthrough)]))
            .Append((
                Path: $"{ProducerOptions.SectionName}:Camera",
                Value: section.GetSection(nameof(ProducerOptions.Camera))[nameof(CameraOptions.Passthrough)]));
        var failures = cameras
            .Where(camera => camera.Value is not null
                && !(Enum.TryParse<PassthroughMode>(camera.Value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)))
            .Select(camera => $"{camera.Path}:Passthrough is '{camera.Value}'; use Auto (publish a Motion JPEG camera's JPEGs as "
                + "they are) or Never (always decode and re-encode).")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
