namespace AspirePipeline.Contracts;

/// <summary>
/// One kind of camera source: the name <c>Cameras:{id}:Source</c> gives it in the AppHost's configuration, the URL
/// schemes the producer recognises it by, whether Debian's ffmpeg reads it, and how its health is probed.
/// </summary>
/// <param name="Name">The configuration name (<c>Rtsp</c>, <c>HttpMjpeg</c>, ...).</param>
/// <param name="Schemes">The URL schemes of this kind, lower case.</param>
/// <param name="Example">A URL of this kind, for error messages.</param>
/// <param name="ReadByFfmpeg">The producer reads it through an ffmpeg child (network streams).</param>
/// <param name="Probe">How the AppHost's health check asks it.</param>
/// <param name="ExternalCamera">A camera of the site's, whose URL is a secret parameter of the AppHost.</param>
public sealed record CameraSourceKind(
    string Name, IReadOnlyList<string> Schemes, string Example, bool ReadByFfmpeg, CameraProbe Probe, bool ExternalCamera);
