namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// Whether a camera currently sees someone, with hysteresis: presence begins after <c>appearAfter</c> consecutive frames
/// with a detection and ends after <c>leaveAfter</c> consecutive frames without one, so a single missed or spurious
/// detection does not produce an appeared/left pair.
/// </summary>
internal sealed class PresenceTracker(int appearAfter, int leaveAfter)
{
    private int _hits;
    private int _misses;

    public bool Present { get; private set; }

    /// <summary>Takes one analysed frame; returns +1 when presence began with it, -1 when it ended, else 0.</summary>
    public int Observe(bool detected)
    {
        if (detected)
        {
            _misses = 0;
            _hits++;
            if (!Present && _hits >= appearAfter)
            {
                Present = true;
                return +1;
            }
        }
        else
        {
            _hits = 0;
            _misses++;
            if (Present && _misses >= leaveAfter)
            {
                Present = false;
                return -1;
            }
        }
        return 0;
    }
}
