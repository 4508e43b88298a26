namespace AspirePipeline.Hosting.Camera;

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
