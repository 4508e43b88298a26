using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Camera;

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
