namespace AspirePipeline.Contracts;

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
