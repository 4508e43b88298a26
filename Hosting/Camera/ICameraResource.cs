using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// A camera resource (one per entry <c>Cameras:{id}</c>): its connection string is the RTSP URL of the stream, so a
/// producer takes <c>WithReference(camera)</c> (<c>ConnectionStrings__{id}=rtsp://...</c>) and <c>WaitFor(camera)</c>
/// (the RTSP server answers) whether the camera is real or simulated.
/// </summary>
public interface ICameraResource : IResourceWithConnectionString, IResourceWithWaitSupport
{
    CameraMode Mode { get; }
}
