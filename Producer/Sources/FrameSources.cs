namespace AspirePipeline.Producer.Sources;

/// <summary>Picks the source kind from a camera URL's scheme.</summary>
internal static class FrameSources
{
    public const string SyntheticScheme = "synthetic";

    /// <summary>Null when the URL is usable, else what is wrong with it (completes "Producer:Cameras:0:Url ...").</summary>
    public static string? Describe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "is empty; set an rtsp:// URL, synthetic://?width=1280&height=720&fps=30, a video file or /dev/videoN.";
        }
        var shown = CameraUrl.Redact(url);
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            if (uri.Scheme is "rtsp" or "rtsps" or "http" or "https")
            {
                return null;
            }
            if (uri.Scheme == SyntheticScheme)
            {
                try
                {
                    _ = SyntheticSettings.Parse(uri);
                    return null;
                }
                catch (FormatException exception)
                {
                    return $"'{shown}' is not a valid synthetic source: {exception.Message}";
                }
            }
            return $"'{shown}' has unsupported scheme '{uri.Scheme}'; use rtsp://, synthetic://, a file path or /dev/videoN.";
        }
        if (url.StartsWith("/dev/video", StringComparison.Ordinal) || File.Exists(url))
        {
            return null;
        }
        return $"'{shown}' is neither an rtsp:// or synthetic:// URL nor an existing file or /dev/videoN device.";
    }

    /// <summary>Network streams are read through Debian's ffmpeg (see <see cref="FfmpegSource"/>).</summary>
    public static bool ReadsThroughFfmpeg(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsFile && uri.Scheme != SyntheticScheme;

    /// <param name="camera">The camera to open.</param>
    /// <param name="options">The producer's options (stall timeout and the like).</param>
    /// <param name="codec">What the camera's stream was last seen to carry (network streams; see <see cref="StreamCodecHint"/>).</param>
    /// <param name="loggerFactory">Loggers for the source.</param>
    public static IFrameSource Open(CameraOptions camera, ProducerOptions options, StreamCodecHint codec, ILoggerFactory loggerFactory)
    {
        if (ReadsThroughFfmpeg(camera.Url))
        {
            var choices = new FfmpegChoices(camera.CanPassThrough(options.Encoding),
                options.Encoding == Frames.FrameEncoding.Jpeg && options.JpegEncoder == JpegEncoder.Ffmpeg, options.JpegQuality);
            return FfmpegSource.Open(camera, choices, codec, options.StallTimeout, loggerFactory.CreateLogger<FfmpegSource>());
        }
        if (Uri.TryCreate(camera.Url, UriKind.Absolute, out var uri) && uri.Scheme == SyntheticScheme)
        {
            return new SyntheticSource(camera.Id, SyntheticSettings.Parse(uri).Override(camera));
        }
        return VideoCaptureSource.Open(camera, options.StallTimeout);
    }
}
