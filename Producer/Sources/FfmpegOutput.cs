namespace AspirePipeline.Producer.Sources;

/// <summary>What the producer's ffmpeg writes for one camera.</summary>
internal enum FfmpegOutput
{
    /// <summary>Raw BGR frames, encoded (or not) by the producer.</summary>
    Pixels,

    /// <summary>The camera's own JPEGs, copied.</summary>
    CameraJpeg,

    /// <summary>JPEGs ffmpeg encodes from what it decoded.</summary>
    EncodedJpeg,
}
