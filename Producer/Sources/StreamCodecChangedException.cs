namespace AspirePipeline.Producer.Sources;

/// <summary>The stream calls for another way of reading it; the reader reopens it at once (not a failure).</summary>
internal sealed class StreamCodecChangedException : Exception
{
    public StreamCodecChangedException(StreamCodecHint.Seen seen, FfmpegPlan plan, Exception? innerException = null)
        : base($"the stream is {seen.Codec} ({seen.PixelFormat}{(seen.FullRange ? ", full range" : "")}): reopening it {plan.Describe()}",
            innerException)
    {
        Seen = seen;
        Plan = plan;
    }

    public StreamCodecHint.Seen Seen { get; }

    /// <summary>How the stream is to be reopened.</summary>
    public FfmpegPlan Plan { get; }
}
