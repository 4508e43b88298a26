using AspirePipeline.Frames;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// Headers a consumer adds to a message it dead-letters, next to the original ones and
/// <see cref="FrameHeaders.DeadLetterReason"/>, so the message can be traced back and replayed.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>Kebab-case reason, e.g. <c>undecodable-image</c> (<see cref="FrameHeaders.DeadLetterReason"/>).</summary>
    public const string Reason = FrameHeaders.DeadLetterReason;

    /// <summary>The human-readable error: what was wrong and what to do.</summary>
    public const string Error = "frame.dlq-error";

    /// <summary>Where the message was read: <c>{topic}/{partition}/{offset}</c>.</summary>
    public const string Source = "frame.dlq-source";

    /// <summary>The consumer group that rejected it.</summary>
    public const string Group = "frame.dlq-group";

    /// <summary>Reason used when decoding succeeded but the analyzer failed on the image.</summary>
    public const string AnalysisFailedReason = "analysis-failed";
}
