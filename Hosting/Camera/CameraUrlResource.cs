using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Camera;

/// <summary>A real RTSP camera whose URL (possibly with credentials) is the secret parameter <c>{id}-url</c>.</summary>
public sealed class CameraUrlResource(string name, ParameterResource url) : Resource(name), ICameraResource
{
    public CameraMode Mode => CameraMode.External;

    public ParameterResource Url { get; } = url;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Url}");
}
