namespace AspirePipeline.Tests.Deployment;

/// <summary>
/// One look at the running deployment: the awaited state holds, not yet, or it never can (frames lost or
/// dead-lettered), which ends the wait at once; <see cref="Seen"/> says what was seen, for the failure message.
/// </summary>
internal sealed record Observation(bool Holds, bool CanStillHold, string Seen)
{
    public static readonly Observation Held = new(true, true, "");

    public static Observation NotYet(string seen) => new(false, true, seen);

    public static Observation Lost(string seen) => new(false, false, seen);
}
