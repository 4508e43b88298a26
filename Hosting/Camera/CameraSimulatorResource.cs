using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Camera;

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
