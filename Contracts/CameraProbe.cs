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
