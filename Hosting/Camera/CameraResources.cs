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

/// <summary>How the camera is provided.</summary>
public enum CameraMode
{
    /// <summary>A real camera: secret parameter <c>{id}-url</c>.</summary>
    External,

    /// <summary>mediamtx with an ffmpeg test pattern, in a container.</summary>
    Container,

    /// <summary>GStreamer's RTSP server (Debian packages) running <c>CameraSimulator/rtsp_simulator.py</c>.</summary>
    Process,
}

/// <summary>A real RTSP camera whose URL (possibly with credentials) is the secret parameter <c>{id}-url</c>.</summary>
public sealed class CameraUrlResource(string name, ParameterResource url) : Resource(name), ICameraResource
{
    public CameraMode Mode => CameraMode.External;

    public ParameterResource Url { get; } = url;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Url}");
}

/// <summary>mediamtx serving a looping ffmpeg test pattern at <c>rtsp://host:port/{path}</c>.</summary>
public sealed class CameraSimulatorContainerResource(string name, string streamPath) : ContainerResource(name), ICameraResource
{
    public const string RtspEndpointName = "rtsp";
    internal const int RtspTargetPort = 8554;

    private EndpointReference? _rtspEndpoint;

    public CameraMode Mode => CameraMode.Container;

    public string StreamPath { get; } = streamPath;

    public EndpointReference RtspEndpoint => _rtspEndpoint ??= new(this, RtspEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"rtsp://{RtspEndpoint.Property(EndpointProperty.HostAndPort)}/{StreamPath}");
}

/// <summary>The GStreamer RTSP simulator as a local process on a port Aspire allocates.</summary>
public sealed class CameraSimulatorResource(string name, string command, string workingDirectory, string bindAddress, string streamPath)
    : ExecutableResource(name, command, workingDirectory), ICameraResource
{
    public const string RtspEndpointName = "rtsp";

    private EndpointReference? _rtspEndpoint;

    public CameraMode Mode => CameraMode.Process;

    /// <summary>The address the server binds, also the host of its URL (not "localhost", which may resolve to ::1).</summary>
    public string BindAddress { get; } = bindAddress;

    public string StreamPath { get; } = streamPath;

    public EndpointReference RtspEndpoint => _rtspEndpoint ??= new(this, RtspEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"rtsp://{BindAddress}:{RtspEndpoint.Property(EndpointProperty.TargetPort)}/{StreamPath}");
}
