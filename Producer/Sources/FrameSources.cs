using AspirePipeline.Contracts;
using AspirePipeline.Producer.Recording;

namespace AspirePipeline.Producer.Sources;

/// <summary>Picks the source from a camera URL's scheme, by <see cref="CameraSourceKinds"/>.</summary>
internal static class FrameSources
{
    /// <summary>Null when the URL is usable, else what is wrong with it (completes "Producer:Cameras:0:Url ...").</summary>
    public static string? Describe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return $"is empty; set a camera URL ({Examples}), a video file or /dev/videoN.";
        }
        var shown = CameraUrl.Redact(url);
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            if (CameraSourceKinds.ForUri(uri) is not { } kind)
            {
                return $"'{shown}' has unsupported scheme '{uri.Scheme}'; use {CameraSourceKinds.SchemeList}, a file path or /dev/videoN.";
            }
            if (kind == CameraSourceKinds.Synthetic)
            {
                try
                {
                    _ = SyntheticSettings.Parse(uri);
                }
                catch (FormatException exception)
                {
                    return $"'{shown}' is not a valid synthetic source: {exception.Message}";
                }
            }
            return null;
        }
        if (url.StartsWith("/dev/video", StringComparison.Ordinal) || File.Exists(url))
        {
            return null;
        }
        return $"'{shown}' is neither a camera URL ({CameraSourceKinds.SchemeList}) nor an existing file or /dev/videoN device.";
    }

    /// <summary>Network streams are read through Debian's ffmpeg (see <see cref="FfmpegSource"/>).</summary>
    public static bool ReadsThroughFfmpeg(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsFile && CameraSourceKinds.ForUri(uri) is { ReadByFfmpeg: true };

    private static string Examples => string.Join(", ", CameraSourceKinds.All.Select(kind => kind.Example));

    /// <param name="camera">The camera to open.</param>
    /// <param name="options">The producer's options (stall timeout and the like).</param>
    /// <param name="codec">What the camera's stream was last seen to carry (network streams; see <see cref="StreamCodecHint"/>).</param>
    /// <param name="loggerFactory">Loggers for the source.</param>
    /// <param name="recorder">Where a recorded camera's own stream goes (cameras read through ffmpeg); null when not recorded.</param>
    public static IFrameSource Open(CameraOptions camera, ProducerOptions options, StreamCodecHint codec, ILoggerFactory loggerFactory,
        VideoRecorder? recorder = null)
    {
        if (ReadsThroughFfmpeg(camera.Url))
        {
            var choices = new FfmpegChoices(camera.CanPassThrough(options.Encoding),
                options.Encoding == Frames.FrameEncoding.Jpeg && options.JpegEncoder == JpegEncoder.Ffmpeg, options.JpegQuality);
            return FfmpegSource.Open(camera, choices, codec, options.StallTimeout, loggerFactory.CreateLogger<FfmpegSource>(), recorder);
        }
        if (Uri.TryCreate(camera.Url, UriKind.Absolute, out var uri) && CameraSourceKinds.ForUri(uri) == CameraSourceKinds.Synthetic)
        {
            return new SyntheticSource(camera.Id, SyntheticSettings.Parse(uri).Override(camera));
        }
        return VideoCaptureSource.Open(camera, options.StallTimeout);
    }
}
