namespace AspirePipeline.Contracts;

/// <summary>How the AppHost checks that a camera of a kind answers before the producer is released to it.</summary>
public enum CameraProbe
{
    /// <summary>Nothing to check (the producer makes the frames itself).</summary>
    None,

    /// <summary>An RTSP DESCRIBE that must answer 200 with a video track (Digest or Basic credentials from the URL).</summary>
    RtspDescribe,

    /// <summary>An HTTP GET that must answer 200 with a Motion JPEG (<c>multipart/x-mixed-replace</c>) or JPEG body.</summary>
    HttpGet,
}

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

/// <summary>
/// The one list of camera source kinds: the AppHost, the producer and the health checks all read it, so a new kind is
/// an entry here plus what that kind needs in each layer (the README's recipe). Files and <c>/dev/videoN</c> devices
/// are no URL scheme: the producer opens them with OpenCV when no kind matches.
/// </summary>
public static class CameraSourceKinds
{
    /// <summary>An RTSP camera (most IP cameras and NVRs), H.264, H.265 or Motion JPEG.</summary>
    public static readonly CameraSourceKind Rtsp = new(
        "Rtsp", ["rtsp", "rtsps"], "rtsp://user:password@camera:554/stream", ReadByFfmpeg: true, CameraProbe.RtspDescribe, ExternalCamera: true);

    /// <summary>An HTTP Motion JPEG camera: <c>multipart/x-mixed-replace</c> with one JPEG per part.</summary>
    public static readonly CameraSourceKind HttpMjpeg = new(
        "HttpMjpeg", ["http", "https"], "http://user:password@camera/video.mjpg", ReadByFfmpeg: true, CameraProbe.HttpGet, ExternalCamera: true);

    /// <summary>Frames the producer draws itself (<c>synthetic://?width=1280&amp;height=720&amp;fps=30</c>), for tests.</summary>
    public static readonly CameraSourceKind Synthetic = new(
        "Synthetic", ["synthetic"], "synthetic://?width=1280&height=720&fps=30", ReadByFfmpeg: false, CameraProbe.None, ExternalCamera: false);

    /// <summary>Every kind, in the order error messages list them.</summary>
    public static IReadOnlyList<CameraSourceKind> All { get; } = [Rtsp, HttpMjpeg, Synthetic];

    /// <summary>The kinds that are a site's own cameras (a URL the AppHost takes as a secret parameter).</summary>
    public static IEnumerable<CameraSourceKind> External => All.Where(kind => kind.ExternalCamera);

    /// <summary>The kind whose scheme <paramref name="uri"/> has, or null (a file, a device, an unknown scheme).</summary>
    public static CameraSourceKind? ForUri(Uri uri) =>
        All.FirstOrDefault(kind => kind.Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase));

    /// <summary>The kind named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static CameraSourceKind? Named(string name) =>
        All.FirstOrDefault(kind => string.Equals(kind.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The schemes of every kind, for messages: <c>rtsp://, rtsps://, http://, ...</c>.</summary>
    public static string SchemeList => string.Join(", ", All.SelectMany(kind => kind.Schemes).Select(scheme => scheme + "://"));
}
