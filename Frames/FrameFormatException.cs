namespace AspirePipeline.Frames;

/// <summary>Why a message could not be turned into a frame; low-cardinality, usable as a metric tag or DLQ reason.</summary>
public enum FrameFormatError
{
    UnknownEncoding,
    MissingHeader,
    BadHeader,
    AbsurdDimensions,
    PayloadSizeMismatch,
    UndecodableImage,
    MalformedSeedJson,
    UnsupportedImage,
}

/// <summary>A message that violates the frame contract. <see cref="Error"/> says which rule; the message says what to do.</summary>
public sealed class FrameFormatException : Exception
{
    public FrameFormatException(FrameFormatError error, string message)
        : base(message)
    {
        Error = error;
    }

    public FrameFormatException(FrameFormatError error, string message, Exception innerException)
        : base(message, innerException)
    {
        Error = error;
    }

    public FrameFormatError Error { get; }

    /// <summary>Kebab-case form of <see cref="Error"/> for metric tags and dead-letter headers.</summary>
    public string Reason => Error switch
    {
        FrameFormatError.UnknownEncoding => "unknown-encoding",
        FrameFormatError.MissingHeader => "missing-header",
        FrameFormatError.BadHeader => "bad-header",
        FrameFormatError.AbsurdDimensions => "absurd-dimensions",
        FrameFormatError.PayloadSizeMismatch => "payload-size-mismatch",
        FrameFormatError.UndecodableImage => "undecodable-image",
        FrameFormatError.MalformedSeedJson => "malformed-seed-json",
        FrameFormatError.UnsupportedImage => "unsupported-image",
        _ => "unknown",
    };
}
