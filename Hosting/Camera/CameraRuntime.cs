using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// How simulated cameras run (section <c>Camera</c>): <c>Mode</c> Auto|Container|Process, <c>Python</c>,
/// <c>SimulatorScript</c>, <c>Bind</c>, <c>Image</c>, <c>Tag</c>.
/// </summary>
public sealed record CameraRuntime(string Mode, string Bind, string? Python, string? SimulatorScript, string? Image, string? Tag)
{
    internal static CameraRuntime From(IConfigurationSection section)
    {
        var mode = (section["Mode"] ?? "Auto").ToLowerInvariant();
        return mode is "auto" or "container" or "process"
            ? new CameraRuntime(mode, section["Bind"] ?? "127.0.0.1",
                CameraSettings.NullIfEmpty(section["Python"]), CameraSettings.NullIfEmpty(section["SimulatorScript"]),
                CameraSettings.NullIfEmpty(section["Image"]), CameraSettings.NullIfEmpty(section["Tag"]))
            : throw new InvalidOperationException(
                $"Configuration '{section.Path}:Mode' is '{section["Mode"]}': use Auto, Container or Process " +
                "(real cameras are entries of 'Cameras' with Source=Rtsp).");
    }
}
